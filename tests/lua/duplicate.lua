-- A key already in the ledger (imported with a known date), another
-- Message-ID: 550 5.7.1 naming company, period, recipient and date.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
expect(send(conn, "Q2A", { "<Firma@Firma.example>" }, "1234567890",
    "2025-10", "<dup-1@ofis.example>") == SMFIR_REPLYCODE,
    "imported key refused")
expect(eom_has(conn, MT_SMTPREPLY, "550", "5.7.1",
    "e-Defter 1234567890 2025-10 already sent to 'firma@firma.example' " ..
    "on 2025-11-03T10:00:00.000Z"), "the exact 550 5.7.1 reply")
-- a first send, then the same key again on the same connection
expect(send(conn, "Q2B", { "<new@firma.example>" }, "1234567890",
    "2025-10", "<dup-2@ofis.example>") == SMFIR_ACCEPT, "new key accepted")
expect(send(conn, "Q2C", { "<NEW@firma.example>", "<firma@firma.example>" },
    "1234567890", "2025-10", "<dup-3@ofis.example>") == SMFIR_REPLYCODE,
    "both recipients duplicate: refused")
mt.disconnect(conn)
