-- Invalid header values are refused with 550 5.6.0.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local cases = {
	{ "9876543210", "2025-10", "bad checksum" },
	{ "1234567890", "2025-13", "month 13" },
	{ "1234567890", "202510", "period without dash" },
	{ "1234567890\r\nBcc: x@y", "2025-10", "CR/LF in the id" },
	{ string.rep("1", 10000), "2025-10", "10 kB id" },
	{ "", "2025-10", "empty id" },
}
for i, c in ipairs(cases) do
	local conn = open("127.0.0.1")
	expect(send(conn, "Q7" .. i, { "<v@firma.example>" }, c[1], c[2],
	    "<inv" .. i .. "@ofis.example>") == SMFIR_REPLYCODE,
	    c[3] .. ": refused")
	expect(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.6.0"),
	    c[3] .. ": 550 5.6.0")
	mt.disconnect(conn)
end
-- only one of the two headers
local conn = open("127.0.0.1")
envelope(conn, "Q7X", { "<v@firma.example>" })
expect(headers(conn, { { "X-EDefter-Company", "1234567890" } }) ==
    SMFIR_CONTINUE, "half-labelled: continue")
if not mt.test_option(conn, SMFIP_NOBODY) then body(conn, "x\r\n") end
expect(eom(conn) == SMFIR_REPLYCODE, "half-labelled refused")
expect(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.6.0"), "550 5.6.0")
mt.disconnect(conn)
