/*
 * lexer.h — the SQL tokenizer (hand-written).
 *
 * Tokens point into the source text (borrowed; the text must outlive them).
 * Keywords are identifiers; the parser compares them case-insensitively.
 * Comments (-- to end of line, and /+* ... *+/) and whitespace are skipped.
 * Numbers may use '_' digit separators (50_000_000) and may be followed
 * directly by an interval unit (5s, 1m): the lexer returns the number and
 * the unit as two adjacent tokens; the parser checks adjacency.
 */
#ifndef SFS_SQL_LEXER_H
#define SFS_SQL_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "sql/error.h"

enum sql_tok_kind {
    TK_EOF = 0,
    TK_IDENT,    /* name or keyword */
    TK_QIDENT,   /* `quoted` or "quoted" identifier; text excludes quotes, escapes kept */
    TK_NUMBER,   /* integer or float literal, text as written (with '_') */
    TK_STRING,   /* 'single quoted'; text excludes quotes, escapes kept */
    TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_COMMA, TK_SEMI, TK_DOT,
    TK_EQ,       /* = or == */
    TK_NE,       /* != or <> */
    TK_LT, TK_LE, TK_GT, TK_GE,
    TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT,
    TK_CONCAT,   /* || */
    TK_COLON, TK_QUESTION, TK_ARROW /* -> */
};

struct sql_tok {
    enum sql_tok_kind kind;
    const char *p;    /* token text */
    uint32_t len;
    uint32_t line;    /* 1-based position of the first byte */
    uint32_t col;
    uint32_t offset;  /* byte offset of the first byte in the source */
};

struct sql_lexer {
    const char *src;
    size_t len;
    size_t pos;
    uint32_t line;
    uint32_t col;
};

void sql_lex_init(struct sql_lexer *lx, const char *src, size_t len);
/*
 * Next token into tok. Returns 0; ERR_INCOMPLETE for an unterminated string,
 * quoted identifier or block comment (the statement may continue in the next
 * write); ERR_SYNTAX for a character that starts no token. err gets the
 * position and message.
 */
int sql_lex_next(struct sql_lexer *lx, struct sql_tok *tok, struct sql_error *err);

/* Unescape a TK_STRING/TK_QIDENT body (\n \t \\ \' '' \xHH ...) into out
 * (at least len+1 bytes); returns the output length. */
size_t sql_unescape(const char *p, size_t len, char *out);

/*
 * Statement framing (SPEC precise rule 1): find the first ';' token of text.
 * Returns 1 with *stmt_len = bytes before the ';' and *consumed = bytes up to
 * and including it; 0 when there is no ';' outside strings, quoted names and
 * comments.
 */
int sql_split(const char *text, size_t len, size_t *stmt_len, size_t *consumed);
/* 1 when text holds only whitespace and comments. */
int sql_is_blank(const char *text, size_t len);

#endif
