-- The ledger cannot be written: 451 4.3.0, never an unchecked accept.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
expect(send(conn, "Q8", { "<w@firma.example>" }, "1234567890", "2025-09",
    "<le@ofis.example>") == SMFIR_REPLYCODE, "tempfailed with a reply")
expect(eom_has(conn, MT_SMTPREPLY, "451", "4.3.0",
    "e-Defter ledger unavailable, try again later"), "451 4.3.0")
mt.disconnect(conn)
