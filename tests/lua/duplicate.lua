-- The same company/period/recipient again, another Message-ID: 550 5.7.1.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
expect(send(conn, "Q2A", { "<firma@firma.example>" }, "1234567890",
    "2025-10", "<dup-1@ofis.example>") == SMFIR_ACCEPT, "first accepted")
-- a second message on the same connection
expect(send(conn, "Q2B", { "<FIRMA@firma.example>" }, "1234567890",
    "2025-10", "<dup-2@ofis.example>") == SMFIR_REPLYCODE,
    "second refused with a reply code")
expect(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1"), "550 5.7.1")
mt.disconnect(conn)
