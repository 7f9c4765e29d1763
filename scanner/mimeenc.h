/*
 * NAME
 *	mimeenc - the encoders of the MIME writer
 * DESCRIPTION
 *	Base64 in 76-column CRLF lines, 57 input bytes to a line: with AVX2
 *	or SSSE3 when the CPU has them (chosen once, at enc_init()), else a
 *	table of character pairs; the same bytes either way.  Quoted-printable, RFC 2047 encoded words (at most
 *	75 characters, never splitting a UTF-8 character) and RFC 2231
 *	parameters, and the checks that keep control characters and invalid
 *	UTF-8 out of headers.  enc_init() must run before the base64 ones.
 */
#ifndef EDEFTER_MIMEENC_H
#define EDEFTER_MIMEENC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LINE_MAX_OCTETS	78		/* RFC 5322 2.1.1 "SHOULD" */
#define WORD_MAX	75		/* RFC 2047 2 */
#define B64_IN		57		/* bytes per 76-column line */
#define B64_OUT		78		/* 76 characters and CRLF */

enum { ENC_B64_SCALAR, ENC_B64_SSSE3, ENC_B64_AVX2 };

void	enc_init(void);
uint64_t enc_b64_len(uint64_t);
void	enc_b64_lines(const unsigned char *, size_t, char *);
int	enc_b64_lines_with(int, const unsigned char *, size_t, char *);
const char *enc_b64_impl(void);
size_t	enc_b64_short(const unsigned char *, size_t, char *);
int	enc_b64_buf(struct buf *, const char *, size_t);
size_t	enc_column(const struct buf *);
int	enc_text_ok(const char *, size_t);
int	enc_plain_ok(const char *, size_t);
int	enc_words(struct buf *, const char *, size_t, size_t);
int	enc_param_2231(struct buf *, const char *, const char *, size_t);
int	enc_qp(struct buf *, const char *);
int	enc_attr_char(unsigned char);

#endif
