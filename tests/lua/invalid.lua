-- Invalid header values are refused with 550 5.6.0.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local cases = {
	{ "9876543210", "2025-10", "bad checksum",
	  "X-EDefter-Company '9876543210' is not a valid VKN or TCKN" },
	{ "1234567890", "2025-13", "month 13",
	  "X-EDefter-Period '2025-13' is not a month YYYY-MM" },
	{ "1234567890", "202510", "period without dash",
	  "X-EDefter-Period '202510' is not a month YYYY-MM" },
	{ "1234567890\r\nBcc: x@y", "2025-10", "CR/LF in the id",
	  "X-EDefter-Company '1234567890??Bcc: x@y' is not a valid VKN or TCKN" },
	{ string.rep("1", 900), "2025-10", "900-byte id",
	  "X-EDefter-Company '" .. string.rep("1", 64) ..
	  "...' is not a valid VKN or TCKN" },
	{ " ", "2025-10", "blank id",
	  "X-EDefter-Company '' is not a valid VKN or TCKN" },
}
for i, c in ipairs(cases) do
	local conn = open("127.0.0.1")
	expect(send(conn, "Q7" .. i, { "<v@firma.example>" }, c[1], c[2],
	    "<inv" .. i .. "@ofis.example>") == SMFIR_REPLYCODE,
	    c[3] .. ": refused")
	expect(eom_has(conn, MT_SMTPREPLY, "550", "5.6.0",
	    "e-Defter message refused: " .. c[4]), c[3] .. ": the exact reply")
	mt.disconnect(conn)
end
-- only one of the two headers
local conn = open("127.0.0.1")
envelope(conn, "Q7X", { "<v@firma.example>" })
expect(headers(conn, { { "X-EDefter-Company", "1234567890" } }) ==
    SMFIR_CONTINUE, "half-labelled: continue")
if not mt.test_option(conn, SMFIP_NOBODY) then body(conn, "x\r\n") end
expect(eom(conn) == SMFIR_REPLYCODE, "half-labelled refused")
expect(eom_has(conn, MT_SMTPREPLY, "550", "5.6.0",
    "e-Defter message refused: X-EDefter-Period is missing (both " ..
    "X-EDefter-Company and X-EDefter-Period are required)"), "550 5.6.0")
mt.disconnect(conn)
