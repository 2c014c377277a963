"""Live dialogue (在线访谈): scheduled dialogues between officials and citizens, live over WebSockets.

Layout: `models` (rows), `states` (the dialogue's transition table), `events` (the stored, numbered
event stream and its payloads), `services` (writes), `selectors` (reads), `fanout` (one relay per
process, fanning events out to local sockets), `consumers` (the socket), `apis` (REST, one endpoint
per action).
"""
