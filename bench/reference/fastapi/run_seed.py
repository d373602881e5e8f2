"""Runs the seed guide's FastAPI example unchanged on 127.0.0.1:PORT.

The only wiring added: the address and port (the example listens on
0.0.0.0:8000), and GET /bench/connected so that the benchmark can see how many
devices have shaken hands. Usage: python3 run_seed.py PORT
"""
import sys

import uvicorn

import seed_example


@seed_example.app.get("/bench/connected")
async def connected():
    return {"connected": len(seed_example.connected_devices)}


if __name__ == "__main__":
    uvicorn.run(seed_example.app, host="127.0.0.1", port=int(sys.argv[1]))
