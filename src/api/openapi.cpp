// The OpenAPI 3 description of the REST API, served at /api/v1/openapi.json.
#include "api/api.hpp"

namespace ptalk::api {

const std::string& openapi_document() {
    static const std::string doc = R"json({
  "openapi": "3.0.3",
  "info": {"title": "ptalkd", "version": "1",
           "description": "Fleet server for PTalk devices. Errors are {\"error\":{\"code\",\"message\"}}."},
  "paths": {
    "/healthz": {"get": {"summary": "Liveness and store health",
      "responses": {"200": {"description": "healthy"}, "503": {"description": "store cannot write"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition"}}}},
    "/api/v1/devices": {"get": {"summary": "List devices",
      "parameters": [
        {"name": "online", "in": "query", "schema": {"type": "boolean"}},
        {"name": "firmware_version", "in": "query", "schema": {"type": "string"}},
        {"name": "name", "in": "query", "description": "case-insensitive substring of the name", "schema": {"type": "string"}},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["id", "name", "last_seen"]}},
        {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
        {"name": "cursor", "in": "query", "description": "next_cursor of the previous page", "schema": {"type": "string"}}],
      "responses": {"200": {"description": "a page of devices",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DevicePage"}}}},
        "400": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/devices/{id}": {"get": {"summary": "One device: reported state, online, last seen, queue length",
      "parameters": [{"$ref": "#/components/parameters/DeviceId"}],
      "responses": {"200": {"description": "the device", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Device"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/devices/{id}/commands": {
      "post": {"summary": "Send a command and (by default) wait for its outcome",
        "parameters": [{"$ref": "#/components/parameters/DeviceId"},
          {"name": "wait", "in": "query", "description": "false: answer 202 with the command id at once", "schema": {"type": "boolean", "default": true}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommandRequest"}}}},
        "responses": {"200": {"$ref": "#/components/responses/Outcome"}, "202": {"description": "queued"},
          "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/Error"}, "502": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}},
      "get": {"summary": "The device's command history, newest first",
        "parameters": [{"$ref": "#/components/parameters/DeviceId"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
          {"name": "before", "in": "query", "description": "next_before of the previous page", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "commands"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/devices/{id}/config": {"patch": {"summary": "Set any of volume, brightness, device_name (in that order, one outcome each)",
      "parameters": [{"$ref": "#/components/parameters/DeviceId"}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
        "properties": {"volume": {"type": "integer", "minimum": 0, "maximum": 100},
                       "brightness": {"type": "integer", "minimum": 0, "maximum": 100},
                       "device_name": {"type": "string", "minLength": 1, "maxLength": 64}}}}}},
      "responses": {"200": {"description": "every setting applied"}, "400": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"},
        "504": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/devices/{id}/reboot": {"post": {"summary": "Reboot; ok once the device acknowledged",
      "parameters": [{"$ref": "#/components/parameters/DeviceId"}],
      "responses": {"200": {"$ref": "#/components/responses/Outcome"}, "409": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/devices/{id}/status": {"post": {"summary": "Ask the device for its full status (request_status)",
      "parameters": [{"$ref": "#/components/parameters/DeviceId"}],
      "responses": {"200": {"$ref": "#/components/responses/Outcome"}, "409": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/devices/{id}/wifi": {"post": {"summary": "Always refused: Wi-Fi is provisioned over BLE",
      "parameters": [{"$ref": "#/components/parameters/DeviceId"}],
      "responses": {"422": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/commands/{cid}": {"get": {"summary": "One command of the audit log",
      "parameters": [{"name": "cid", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "the command", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Command"}}}},
        "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/device/{id}/config": {"post": {"summary": "The seed guide's endpoint: clamps, sends, answers at once (404 when the device is not connected)",
      "parameters": [{"$ref": "#/components/parameters/DeviceId"},
        {"name": "volume", "in": "query", "schema": {"type": "integer"}},
        {"name": "brightness", "in": "query", "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "{\"status\":\"ok\",\"device_id\":…}"}, "404": {"$ref": "#/components/responses/Error"},
        "422": {"$ref": "#/components/responses/Error"}}}}
  },
  "components": {
    "parameters": {"DeviceId": {"name": "id", "in": "path", "required": true,
      "description": "MAC address: 12 hex digits in either case, or AA:BB:CC:DD:EE:FF", "schema": {"type": "string"}}},
    "responses": {
      "Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Outcome": {"description": "the command's outcome", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Outcome"}}}}},
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
      "Device": {"type": "object", "properties": {
        "device_id": {"type": "string"}, "mac": {"type": "string"}, "online": {"type": "boolean"},
        "device_name": {"type": "string", "nullable": true}, "firmware_version": {"type": "string", "nullable": true},
        "battery_percent": {"type": "integer", "nullable": true}, "connectivity_state": {"type": "string", "nullable": true},
        "volume": {"type": "integer", "nullable": true}, "brightness": {"type": "integer", "nullable": true},
        "uptime_sec": {"type": "integer", "nullable": true}, "remote_addr": {"type": "string", "nullable": true},
        "first_seen_ms": {"type": "integer"}, "last_seen_ms": {"type": "integer"},
        "last_handshake_ms": {"type": "integer", "nullable": true}, "queue_length": {"type": "integer"}}},
      "DevicePage": {"type": "object", "properties": {"devices": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}},
        "total": {"type": "integer"}, "next_cursor": {"type": "string", "nullable": true}}},
      "CommandRequest": {"type": "object", "required": ["cmd"], "properties": {
        "cmd": {"type": "string", "enum": ["request_status", "set_volume", "set_brightness", "set_device_name", "reboot", "request_ble_config", "request_ota"]},
        "volume": {"type": "integer", "minimum": 0, "maximum": 100},
        "brightness": {"type": "integer", "minimum": 0, "maximum": 100},
        "device_name": {"type": "string", "minLength": 1, "maxLength": 64},
        "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 120000}}},
      "Outcome": {"type": "object", "properties": {"id": {"type": "integer"}, "device_id": {"type": "string"},
        "cmd": {"type": "string"}, "outcome": {"type": "string", "enum": ["ok", "error", "invalid_command", "invalid_param",
          "not_supported", "device_busy", "timeout", "disconnected", "offline", "queue_full", "shutdown"]},
        "reply": {"type": "object", "nullable": true}, "latency_ms": {"type": "number", "nullable": true}}},
      "Command": {"type": "object", "properties": {"id": {"type": "integer"}, "device_id": {"type": "string"},
        "cmd": {"type": "string"}, "params": {"type": "object"}, "requested_by": {"type": "string"},
        "state": {"type": "string", "enum": ["queued", "sent", "finished"]}, "outcome": {"type": "string", "nullable": true},
        "reply": {"type": "object", "nullable": true}, "queued_at_ms": {"type": "integer"},
        "sent_at_ms": {"type": "integer", "nullable": true}, "finished_at_ms": {"type": "integer", "nullable": true},
        "latency_ms": {"type": "integer", "nullable": true}}}
    }
  }
})json";
    return doc;
}

}  // namespace ptalk::api
