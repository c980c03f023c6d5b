/*
 * lexer.c — the SQL tokenizer (sql/lexer.h).
 *
 * One forward pass over text that is not NUL-terminated: every read is
 * checked against len. Tokens borrow the source. Positions are 1-based;
 * lines advance at '\n'; columns count characters, so a tab is one column
 * and a UTF-8 sequence is one (continuation bytes do not advance it).
 *
 * A quoted token (string or quoted identifier) is positioned at its opening
 * quote (line, col and offset), while p/len give the body between the
 * quotes with escapes kept: a backslash escapes the next byte, and a doubled
 * quote character stands for one. Running out of text inside a quoted token
 * or a block comment is ERR_INCOMPLETE, because the statement may go on in
 * the next write() (SPEC precise rule 1).
 *
 * sql_split frames statements with this same scanner, so a ';' inside a
 * string, a quoted name or a comment never ends a statement.
 */
#include "sql/lexer.h"

#include "util/err.h"

void sql_lex_init(struct sql_lexer *lx, const char *src, size_t len)
{
    lx->src = src ? src : "";
    lx->len = src ? len : 0;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
}

/* The byte k places ahead, or -1 past the end. */
static int at(const struct sql_lexer *lx, size_t k)
{
    if (lx->pos >= lx->len || k >= lx->len - lx->pos)
        return -1;
    return (unsigned char)lx->src[lx->pos + k];
}

/* Consume one byte, keeping line and column. */
static void bump(struct sql_lexer *lx)
{
    unsigned char c = (unsigned char)lx->src[lx->pos++];

    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++;
    }
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Bytes of UTF-8 sequences count as letters; the caller validates names. */
static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_ident_char(int c)
{
    return is_ident_start(c) || is_digit(c);
}

static int skip_block_comment(struct sql_lexer *lx, struct sql_error *err)
{
    uint32_t line = lx->line, col = lx->col;

    bump(lx);
    bump(lx);
    for (;;) {
        if (at(lx, 0) < 0)
            return sql_fail(err, ERR_INCOMPLETE, line, col, "unterminated comment");
        if (at(lx, 0) == '*' && at(lx, 1) == '/') {
            bump(lx);
            bump(lx);
            return 0;
        }
        bump(lx);
    }
}

/* Whitespace, "-- line" comments and block comments. */
static int skip_blank(struct sql_lexer *lx, struct sql_error *err)
{
    for (;;) {
        int c = at(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            bump(lx);
        } else if (c == '-' && at(lx, 1) == '-') {
            while (at(lx, 0) >= 0 && at(lx, 0) != '\n')
                bump(lx);
        } else if (c == '/' && at(lx, 1) == '*') {
            int rc = skip_block_comment(lx, err);
            if (rc)
                return rc;
        } else {
            return 0;
        }
    }
}

/* Digits with single '_' separators between them (50_000_000). */
static void scan_digits(struct sql_lexer *lx)
{
    while (is_digit(at(lx, 0)) || (at(lx, 0) == '_' && is_digit(at(lx, 1))))
        bump(lx);
}

/*
 * 12, 1_000, 1.5, 2e-3. A '.' or 'e' that is not followed by digits is not
 * part of the number, so "5s" and "1e" end at the digits and the parser sees
 * the unit as the next, adjacent token.
 */
static void scan_number(struct sql_lexer *lx)
{
    int c;

    scan_digits(lx);
    if (at(lx, 0) == '.' && is_digit(at(lx, 1))) {
        bump(lx);
        scan_digits(lx);
    }
    c = at(lx, 0);
    if ((c == 'e' || c == 'E') &&
        (is_digit(at(lx, 1)) || ((at(lx, 1) == '+' || at(lx, 1) == '-') && is_digit(at(lx, 2))))) {
        bump(lx);
        if (!is_digit(at(lx, 0)))
            bump(lx);
        scan_digits(lx);
    }
}

/* A token quoted by q; tok already holds the opening quote's position. */
static int scan_quoted(struct sql_lexer *lx, struct sql_tok *tok, int q, struct sql_error *err)
{
    size_t start;

    bump(lx);
    start = lx->pos;
    for (;;) {
        int c = at(lx, 0);
        if (c < 0 || (c == '\\' && at(lx, 1) < 0))
            return sql_fail(err, ERR_INCOMPLETE, tok->line, tok->col, "%s",
                            q == '\'' ? "unterminated string literal"
                                      : "unterminated quoted identifier");
        if (c == '\\' || (c == q && at(lx, 1) == q)) {
            bump(lx);
            bump(lx);
            continue;
        }
        if (c == q)
            break;
        bump(lx);
    }
    tok->kind = q == '\'' ? TK_STRING : TK_QIDENT;
    tok->p = lx->src + start;
    tok->len = (uint32_t)(lx->pos - start);
    bump(lx);
    return 0;
}

/* Operators and punctuation: the token kind and its length, or 0 for none. */
static size_t punct(int c, int d, enum sql_tok_kind *k)
{
    switch (c) {
    case '(': *k = TK_LPAREN; return 1;
    case ')': *k = TK_RPAREN; return 1;
    case '[': *k = TK_LBRACKET; return 1;
    case ']': *k = TK_RBRACKET; return 1;
    case ',': *k = TK_COMMA; return 1;
    case ';': *k = TK_SEMI; return 1;
    case '.': *k = TK_DOT; return 1;
    case '+': *k = TK_PLUS; return 1;
    case '*': *k = TK_STAR; return 1;
    case '/': *k = TK_SLASH; return 1;
    case '%': *k = TK_PERCENT; return 1;
    case ':': *k = TK_COLON; return 1;
    case '?': *k = TK_QUESTION; return 1;
    case '=': *k = TK_EQ; return d == '=' ? 2 : 1;
    case '!': *k = TK_NE; return d == '=' ? 2 : 0;
    case '|': *k = TK_CONCAT; return d == '|' ? 2 : 0;
    case '-': *k = d == '>' ? TK_ARROW : TK_MINUS; return d == '>' ? 2 : 1;
    case '>': *k = d == '=' ? TK_GE : TK_GT; return d == '=' ? 2 : 1;
    case '<':
        *k = d == '=' ? TK_LE : d == '>' ? TK_NE : TK_LT;
        return d == '=' || d == '>' ? 2 : 1;
    default: return 0;
    }
}

static int scan_punct(struct sql_lexer *lx, struct sql_tok *tok, struct sql_error *err)
{
    int c = at(lx, 0);
    size_t i, n = punct(c, at(lx, 1), &tok->kind);

    if (n == 0) {
        tok->kind = TK_EOF;
        bump(lx); /* so that a caller that goes on (sql_split) makes progress */
        if (c > ' ' && c < 0x7f)
            return sql_fail(err, ERR_SYNTAX, tok->line, tok->col, "unexpected character '%c'", c);
        return sql_fail(err, ERR_SYNTAX, tok->line, tok->col, "unexpected character '\\x%02X'", c);
    }
    for (i = 0; i < n; i++)
        bump(lx);
    tok->len = (uint32_t)n;
    return 0;
}

int sql_lex_next(struct sql_lexer *lx, struct sql_tok *tok, struct sql_error *err)
{
    int rc = skip_blank(lx, err);
    int c;

    tok->kind = TK_EOF;
    tok->p = lx->src + lx->pos;
    tok->len = 0;
    tok->line = lx->line;
    tok->col = lx->col;
    tok->offset = (uint32_t)lx->pos;
    if (rc)
        return rc;
    c = at(lx, 0);
    if (c < 0)
        return 0;
    if (c == '\'' || c == '"' || c == '`')
        return scan_quoted(lx, tok, c, err);
    if (!is_ident_start(c) && !is_digit(c))
        return scan_punct(lx, tok, err);
    if (is_digit(c)) {
        tok->kind = TK_NUMBER;
        scan_number(lx);
    } else {
        tok->kind = TK_IDENT;
        while (is_ident_char(at(lx, 0)))
            bump(lx);
    }
    tok->len = (uint32_t)(lx->pos - tok->offset);
    return 0;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The byte that "\c" stands for; \xHH is handled by the caller. */
static char escaped(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'a': return '\a';
    case 'v': return '\v';
    default: return c; /* \\ \' \" and, as in ClickHouse, any other \c is c */
    }
}

size_t sql_unescape(const char *p, size_t len, char *out)
{
    size_t i = 0, o = 0;

    while (i < len) {
        char c = p[i++];
        if (c == '\'' && i < len && p[i] == '\'') {
            out[o++] = '\'';
            i++;
        } else if (c != '\\' || i == len) {
            out[o++] = c;
        } else if (p[i] == 'x' && len - i > 2 && hex_digit((unsigned char)p[i + 1]) >= 0 &&
                   hex_digit((unsigned char)p[i + 2]) >= 0) {
            out[o++] = (char)(hex_digit((unsigned char)p[i + 1]) * 16 +
                              hex_digit((unsigned char)p[i + 2]));
            i += 3;
        } else {
            out[o++] = escaped(p[i++]);
        }
    }
    out[o] = '\0';
    return o;
}

int sql_split(const char *text, size_t len, size_t *stmt_len, size_t *consumed)
{
    struct sql_lexer lx;
    struct sql_tok tok;
    struct sql_error err;

    sql_lex_init(&lx, text, len);
    for (;;) {
        int rc = sql_lex_next(&lx, &tok, &err);
        if (rc == ERR_INCOMPLETE)
            return 0; /* an unterminated string or comment hides any ';' */
        if (rc)
            continue; /* a stray character: the parser will report it */
        if (tok.kind == TK_EOF)
            return 0;
        if (tok.kind == TK_SEMI) {
            *stmt_len = lx.pos - 1;
            *consumed = lx.pos;
            return 1;
        }
    }
}

int sql_is_blank(const char *text, size_t len)
{
    struct sql_lexer lx;
    struct sql_tok tok;
    struct sql_error err;

    sql_lex_init(&lx, text, len);
    return sql_lex_next(&lx, &tok, &err) == 0 && tok.kind == TK_EOF;
}
