-- Local submissions (sendmail, {daemon_name}=pickup) are trusted and
-- recorded with source pickup, whatever the client address.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("192.0.2.9", "pickup")
expect(send(conn, "Q9", { "<pk@firma.example>" }, "1234567808", "2025-01",
    "<pk@ofis.example>") == SMFIR_ACCEPT, "pickup send accepted")
expect(eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"), "recorded")
mt.disconnect(conn)
