# The seed guide's FastAPI example (ptalk-websocket-config-guide.md, "Server
# Implementation"), copied verbatim below this header: it is the reference the
# benchmarks compare ptalkd with. Run it through run_seed.py, which only picks
# the address and port.
import json
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
import uvicorn

app = FastAPI()

# Map device_id → WebSocket connection
connected_devices = {}

@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket):
    await websocket.accept()
    device_id = None
    
    try:
        while True:
            data = await websocket.receive_text()
            msg = json.loads(data)
            
            # Device handshake
            if msg.get("cmd") == "device_handshake":
                device_id = msg.get("device_id")
                connected_devices[device_id] = websocket
                
                print(f"✓ Device {device_id} connected")
                print(f"  Firmware: {msg.get('firmware_version')}")
                print(f"  Battery: {msg.get('battery_percent')}%")
                print(f"  Name: {msg.get('device_name')}")
                
                # Now you can send config to this device!
                
            # Device response (config ack or status)
            elif msg.get("status"):
                print(f"← Device {device_id} response: {msg}")
                # Handle response, update DB, etc.
                
    except WebSocketDisconnect:
        if device_id:
            del connected_devices[device_id]
            print(f"✗ Device {device_id} disconnected")

# Send config command to specific device
async def send_config_to_device(device_id: str, cmd: dict):
    """Send config command to connected device"""
    if device_id not in connected_devices:
        print(f"Device {device_id} not connected")
        return False
    
    try:
        ws = connected_devices[device_id]
        await ws.send_text(json.dumps(cmd))
        print(f"→ Sent to {device_id}: {cmd}")
        return True
    except Exception as e:
        print(f"Error sending to {device_id}: {e}")
        return False

# Example: HTTP endpoint to configure device
@app.post("/api/device/{device_id}/config")
async def configure_device(device_id: str, volume: int = None, brightness: int = None):
    """HTTP endpoint to send config to a device"""
    
    if volume is not None:
        cmd = {"cmd": "set_volume", "volume": min(100, max(0, volume))}
        await send_config_to_device(device_id, cmd)
    
    if brightness is not None:
        cmd = {"cmd": "set_brightness", "brightness": min(100, max(0, brightness))}
        await send_config_to_device(device_id, cmd)
    
    return {"status": "ok", "device_id": device_id}

if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)
