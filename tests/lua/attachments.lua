-- Unlabelled messages whose attachments are e-Defter files of one period
-- are enforced as if they carried the headers: RFC 2231 and RFC 2047
-- names, nested multiparts.
dofile(os.getenv("LUA_DIR") .. "/common.lua")

local function message(conn, qid, rcpt, msgid, text)
	envelope(conn, qid, { rcpt })
	local r = headers(conn, {
		{ "From", "ofis@ofis.example" }, { "Subject", "defterler" },
		{ "Message-ID", msgid }, { "MIME-Version", "1.0" },
		{ "Content-Type", "multipart/mixed; boundary=\"outer\"" },
	})
	expect(r == SMFIR_CONTINUE, "a multipart goes on to the body")
	-- the body in two chunks, cut inside a part header
	local cut = math.floor(#text / 2)
	expect(body(conn, string.sub(text, 1, cut)) == SMFIR_CONTINUE,
	    "first body chunk")
	expect(body(conn, string.sub(text, cut + 1)) == SMFIR_CONTINUE,
	    "second body chunk")
	return eom(conn)
end

local nested =
    "preamble\r\n--outer\r\n" ..
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" ..
    "--alt\r\nContent-Type: text/plain\r\n\r\nmerhaba\r\n" ..
    "--alt\r\nContent-Type: multipart/related; boundary=deep\r\n\r\n" ..
    "--deep\r\nContent-Type: application/zip\r\n" ..
    "Content-Disposition: attachment;\r\n" ..
    " filename*=utf-8''GIB-1234567890-202510-KB-000000.zip\r\n\r\n" ..
    "UEsDBA==\r\n--deep--\r\n--alt--\r\n" ..
    "--outer\r\nContent-Type: application/zip;\r\n" ..
    " name=\"=?UTF-8?B?R0lCLTEyMzQ1Njc4OTAtMjAyNTEwLVlCLTAwMDAwMC56aXA=?=\"\r\n" ..
    "Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--outer--\r\n"

local conn = open("127.0.0.1")
expect(message(conn, "QA1", "<ek@firma.example>", "<a1@ofis.example>",
    nested) == SMFIR_ACCEPT, "first unlabelled send accepted")
expect(eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"), "and recorded")
expect(message(conn, "QA2", "<ek@firma.example>", "<a2@ofis.example>",
    nested) == SMFIR_REPLYCODE, "the same attachments again refused")
mt.disconnect(conn)

-- RFC 2231 continuations with a charset, two parts of one period
local cont =
    "--outer\r\nContent-Type: application/zip\r\n" ..
    "Content-Disposition: attachment;\r\n" ..
    " filename*0*=utf-8''GIB-4540536920-2025;\r\n" ..
    " filename*1*=03-KB-000000.zip\r\n\r\nUEsDBA==\r\n" ..
    "--outer\r\nContent-Type: application/xml; name=4540536920-202503-Y-000000.xml\r\n\r\n" ..
    "<x/>\r\n--outer--\r\n"
conn = open("127.0.0.1")
expect(message(conn, "QA3", "<ek@firma.example>", "<a3@ofis.example>",
    cont) == SMFIR_ACCEPT, "continuation names: accepted")
expect(eom_has(conn, MT_HDRADD, "X-EDefter-Ledger"), "and recorded")
mt.disconnect(conn)

-- attachments of two periods in one unlabelled message
local two =
    "--outer\r\nContent-Disposition: attachment; filename=GIB-1234567890-202511-KB-000000.zip\r\n\r\nx\r\n" ..
    "--outer\r\nContent-Disposition: attachment; filename=GIB-1234567890-202512-KB-000000.zip\r\n\r\nx\r\n" ..
    "--outer--\r\n"
conn = open("127.0.0.1")
expect(message(conn, "QA4", "<ek@firma.example>", "<a4@ofis.example>",
    two) == SMFIR_REPLYCODE, "two periods: refused")
expect(eom_has(conn, MT_SMTPREPLY, "550", "5.6.0",
    "e-Defter message refused: the attachments are e-Defter files of " ..
    "more than one company or period (1234567890 2025-11 and others); " ..
    "send one period per message"), "550 5.6.0 saying why")
mt.disconnect(conn)
