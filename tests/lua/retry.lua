-- The same message again (same Message-ID), e.g. after a lost reply:
-- delivered, not a duplicate.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
expect(send(conn, "Q4A", { "<r@firma.example>" }, "10000000146", "2025-12",
    "<same@ofis.example>") == SMFIR_ACCEPT, "first accepted")
mt.disconnect(conn)
conn = open("127.0.0.1")
expect(send(conn, "Q4B", { "<r@firma.example>" }, "10000000146", "2025-12",
    "<same@ofis.example>") == SMFIR_ACCEPT, "retry accepted")
expect(not eom_has(conn, MT_RCPTDELETE, "<r@firma.example>"),
    "nobody removed")
mt.disconnect(conn)
