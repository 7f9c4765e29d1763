-- A first send from a trusted client is recorded and traced.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
expect(send(conn, "Q1FIRST", { "<Firma@Firma.example>" }, "1234567890",
    "2025-10", "<first@ofis.example>") == SMFIR_ACCEPT, "first send accepted")
expect(eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"),
    "X-EDefter-Ledger trace header added")
expect(not eom_has(conn, MT_RCPTDELETE, "<Firma@Firma.example>"),
    "recipient kept")
expect(not eom_has(conn, MT_HDRDELETE), "no header removed")
mt.disconnect(conn)
