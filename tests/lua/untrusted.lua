-- An untrusted client's X-EDefter-* headers are removed, nothing recorded.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("192.0.2.7")
expect(send(conn, "Q5", { "<u@firma.example>" }, "1234567890", "2025-11",
    "<u1@elsewhere.example>") == SMFIR_ACCEPT, "accepted")
expect(eom_has(conn, MT_HDRDELETE, "X-EDefter-Company"),
    "X-EDefter-Company removed")
expect(eom_has(conn, MT_HDRDELETE, "X-EDefter-Period"),
    "X-EDefter-Period removed")
expect(not eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"),
    "no trace header")
-- ordinary mail from an untrusted client is let go at end of headers
envelope(conn, "Q5B", { "<u@firma.example>" })
expect(headers(conn, { { "Subject", "hello" } }) == SMFIR_ACCEPT,
    "ordinary untrusted mail accepted at end of headers")
mt.disconnect(conn)
-- the same client, SASL-authenticated, is trusted
conn = open("192.0.2.7")
envelope(conn, "Q5C", { "<u@firma.example>" }, "ofis")
expect(headers(conn, edefter_headers("1234567890", "2025-11",
    "<u2@ofis.example>")) == SMFIR_CONTINUE, "authenticated: continue")
if not mt.test_option(conn, SMFIP_NOBODY) then body(conn, "x\r\n") end
expect(eom(conn) == SMFIR_ACCEPT, "authenticated send accepted")
expect(eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"),
    "authenticated send recorded")
mt.disconnect(conn)
