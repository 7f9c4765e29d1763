-- Two recipients, one already sent: only that one is removed.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
expect(send(conn, "Q3A", { "<a@firma.example>" }, "4540536920", "2025-03",
    "<p1@ofis.example>") == SMFIR_ACCEPT, "first accepted")
expect(send(conn, "Q3B", { "<A@Firma.example>", "<b@firma.example>" },
    "4540536920", "2025-03", "<p2@ofis.example>") == SMFIR_ACCEPT,
    "second accepted for the new recipient")
expect(eom_has(conn, MT_RCPTDELETE, "<A@Firma.example>"),
    "duplicate removed with the exact RCPT string")
expect(not eom_has(conn, MT_RCPTDELETE, "<b@firma.example>"),
    "new recipient kept")
expect(eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"), "trace header")
mt.disconnect(conn)
