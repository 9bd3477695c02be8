/*
 * escape.h - make arbitrary function names safe for an output medium.
 *
 * Profile strings may contain any byte (see the corpus' invalid-utf8
 * profile: every byte value, tabs and newlines).  Each writer appends the
 * escaped form of s to b; they fail only with the buffer's FG_ELIMIT.
 */
#ifndef FLAMEGATE_ESCAPE_H
#define FLAMEGATE_ESCAPE_H

#include "flamegate/buf.h"

/*
 * Length of the valid UTF-8 sequence at s[0..n) (1 to 4; *cp gets the code
 * point), or 0 when s[0] does not start one (overlong forms, surrogates
 * and values above U+10FFFF are invalid).  n must be > 0.
 */
size_t fg_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* True for valid code points that can hide or reorder text on a terminal
 * or in a browser: C1 controls, bidirectional marks, overrides and
 * isolates ("Trojan Source"), and the line/paragraph separators. */
bool fg_escape_invisible(uint32_t cp);

/* Terminal/text: valid UTF-8 passes through; control bytes, DEL and
 * invalid bytes become \xNN; C1 controls and bidirectional overrides
 * become \u{XXXX}; a backslash becomes \\. */
int fg_escape_term(struct fg_buf *b, const char *s) FG_MUST_CHECK;

/* Valid UTF-8 for JSON libraries: invalid bytes become U+FFFD; control
 * characters are left for the JSON encoder to escape. */
int fg_escape_utf8(struct fg_buf *b, const char *s) FG_MUST_CHECK;

/* TSV field for pprof-exact output: bytes pass through literally (pprof
 * keeps tabs in names, and the last two columns are numbers, so rows still
 * parse from the right), except CR and LF, which become \r and \n so a
 * row is always one line. */
int fg_escape_tsv(struct fg_buf *b, const char *s) FG_MUST_CHECK;

#endif
