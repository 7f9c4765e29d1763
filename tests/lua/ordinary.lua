-- Ordinary mail is accepted untouched, at end of headers.
dofile(os.getenv("LUA_DIR") .. "/common.lua")
local conn = open("127.0.0.1")
envelope(conn, "Q6", { "<x@firma.example>" })
expect(headers(conn, {
	{ "From", "a@ofis.example" }, { "Subject", "lunch" },
	{ "Content-Type", "text/plain; charset=utf-8" },
}) == SMFIR_ACCEPT, "plain text mail accepted at end of headers")
mt.disconnect(conn)
-- a multipart without e-Defter attachments goes to end of message
conn = open("127.0.0.1")
envelope(conn, "Q6B", { "<x@firma.example>" })
local r = headers(conn, {
	{ "Subject", "report" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/mixed; boundary=\"b1\"" },
})
if r == SMFIR_CONTINUE then
	body(conn, "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n" ..
	    "--b1\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n" ..
	    "Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\n" ..
	    "JVBERi0=\r\n--b1--\r\n")
	expect(eom(conn) == SMFIR_ACCEPT, "multipart accepted")
else
	expect(r == SMFIR_ACCEPT, "multipart accepted early")
end
expect(not eom_has(conn, MT_HDRADD), "no header added")
expect(not eom_has(conn, MT_RCPTDELETE, "<x@firma.example>"),
    "no recipient removed")
mt.disconnect(conn)
