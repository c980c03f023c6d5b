/*
 * lexer_test.c — the SQL tokenizer, escapes and statement framing
 * (sql/lexer.h).
 *
 * Every input is copied into a buffer of exactly its length, so a read past
 * len is caught by AddressSanitizer: the lexer must never rely on a NUL.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sql/lexer.h"
#include "util/err.h"

#define MAX_TOKS 64

struct lexed {
    char *text; /* exact-length copy, not NUL-terminated */
    size_t len;
    int n;
    int rc; /* the first nonzero sql_lex_next result, or 0 */
    struct sql_tok t[MAX_TOKS];
    struct sql_error err;
};

static char *exact_copy(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);
    cr_assert_not_null(p);
    memcpy(p, s, len);
    return p;
}

/* Lex all of s (up to and including TK_EOF, or the first error). */
static void lex_all(struct lexed *lx, const char *s, size_t len)
{
    struct sql_lexer l;

    memset(lx, 0, sizeof *lx);
    lx->text = exact_copy(s, len);
    lx->len = len;
    sql_lex_init(&l, lx->text, len);
    while (lx->n < MAX_TOKS) {
        struct sql_tok *t = &lx->t[lx->n];
        lx->rc = sql_lex_next(&l, t, &lx->err);
        if (lx->rc)
            return;
        lx->n++;
        if (t->kind == TK_EOF)
            return;
    }
    cr_assert_fail("too many tokens");
}

static void lex(struct lexed *lx, const char *s)
{
    lex_all(lx, s, strlen(s));
}

static void done(struct lexed *lx)
{
    free(lx->text);
}

static void check_tok(const struct sql_tok *t, enum sql_tok_kind kind, const char *text,
                      uint32_t line, uint32_t col)
{
    cr_expect_eq(t->kind, kind, "kind %d, want %d (text '%s')", t->kind, kind, text);
    cr_expect_eq(t->len, strlen(text), "len %u, want %zu for '%s'", t->len, strlen(text), text);
    if (t->len == strlen(text))
        cr_expect(memcmp(t->p, text, t->len) == 0, "text '%.*s', want '%s'", (int)t->len, t->p,
                  text);
    cr_expect_eq(t->line, line, "'%s' line %u, want %u", text, t->line, line);
    cr_expect_eq(t->col, col, "'%s' column %u, want %u", text, t->col, col);
}

Test(lexer, identifiers_and_keywords)
{
    struct lexed lx;
    lex(&lx, "CREATE stream _s1 a_b");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 5);
    check_tok(&lx.t[0], TK_IDENT, "CREATE", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "stream", 1, 8);
    check_tok(&lx.t[2], TK_IDENT, "_s1", 1, 15);
    check_tok(&lx.t[3], TK_IDENT, "a_b", 1, 19);
    check_tok(&lx.t[4], TK_EOF, "", 1, 22);
    cr_expect_eq(lx.t[3].offset, 18);
    done(&lx);
}

Test(lexer, every_punctuation_kind)
{
    static const struct {
        const char *text;
        enum sql_tok_kind kind;
    } want[] = {
        {"(", TK_LPAREN}, {")", TK_RPAREN},   {"[", TK_LBRACKET}, {"]", TK_RBRACKET},
        {",", TK_COMMA},  {";", TK_SEMI},     {".", TK_DOT},      {"=", TK_EQ},
        {"==", TK_EQ},    {"!=", TK_NE},      {"<>", TK_NE},      {"<", TK_LT},
        {"<=", TK_LE},    {">", TK_GT},       {">=", TK_GE},      {"+", TK_PLUS},
        {"-", TK_MINUS},  {"*", TK_STAR},     {"/", TK_SLASH},    {"%", TK_PERCENT},
        {"||", TK_CONCAT}, {":", TK_COLON},   {"?", TK_QUESTION}, {"->", TK_ARROW},
    };
    size_t i, n = sizeof want / sizeof want[0];
    struct lexed lx;
    char src[256] = "";
    uint32_t col = 1;

    for (i = 0; i < n; i++) {
        strcat(src, want[i].text);
        strcat(src, " ");
    }
    lex(&lx, src);
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, (int)n + 1);
    for (i = 0; i < n; i++) {
        check_tok(&lx.t[i], want[i].kind, want[i].text, 1, col);
        col += (uint32_t)strlen(want[i].text) + 1;
    }
    cr_expect_eq(lx.t[n].kind, TK_EOF);
    done(&lx);
}

Test(lexer, adjacent_operators)
{
    struct lexed lx;
    lex(&lx, "a<=>b-->c");
    /* "<=" then ">" ; "--" starts a comment to the end of the line */
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 5);
    check_tok(&lx.t[0], TK_IDENT, "a", 1, 1);
    check_tok(&lx.t[1], TK_LE, "<=", 1, 2);
    check_tok(&lx.t[2], TK_GT, ">", 1, 4);
    check_tok(&lx.t[3], TK_IDENT, "b", 1, 5);
    check_tok(&lx.t[4], TK_EOF, "", 1, 10);
    done(&lx);

    lex(&lx, "x->y-1");
    cr_assert_eq(lx.n, 6);
    check_tok(&lx.t[1], TK_ARROW, "->", 1, 2);
    check_tok(&lx.t[3], TK_MINUS, "-", 1, 5);
    check_tok(&lx.t[4], TK_NUMBER, "1", 1, 6);
    done(&lx);
}

Test(lexer, positions_across_lines_and_tabs)
{
    struct lexed lx;
    lex(&lx, "a\n\tbb  c\r\n\n  d\t\te");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 6);
    check_tok(&lx.t[0], TK_IDENT, "a", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "bb", 2, 2);
    check_tok(&lx.t[2], TK_IDENT, "c", 2, 6);
    check_tok(&lx.t[3], TK_IDENT, "d", 4, 3);
    check_tok(&lx.t[4], TK_IDENT, "e", 4, 6);
    check_tok(&lx.t[5], TK_EOF, "", 4, 7);
    cr_expect_eq(lx.t[3].offset, 13);
    done(&lx);
}

Test(lexer, utf8_counts_one_column_per_character)
{
    struct lexed lx;
    lex(&lx, "'\xc3\xa9t\xc3\xa9' x");
    cr_assert_eq(lx.rc, 0);
    check_tok(&lx.t[0], TK_STRING, "\xc3\xa9t\xc3\xa9", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "x", 1, 7);
    done(&lx);
}

Test(lexer, eof_position_after_trailing_newline)
{
    struct lexed lx;
    lex(&lx, "a\n");
    cr_assert_eq(lx.n, 2);
    check_tok(&lx.t[1], TK_EOF, "", 2, 1);
    cr_expect_eq(lx.t[1].offset, 2);
    done(&lx);

    lex(&lx, "");
    cr_assert_eq(lx.n, 1);
    check_tok(&lx.t[0], TK_EOF, "", 1, 1);
    done(&lx);
}

Test(lexer, numbers_with_separators_fractions_exponents)
{
    struct lexed lx;
    lex(&lx, "50_000_000 1.5 2e10 3E+2 4.5e-3 0 007");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 8);
    check_tok(&lx.t[0], TK_NUMBER, "50_000_000", 1, 1);
    check_tok(&lx.t[1], TK_NUMBER, "1.5", 1, 12);
    check_tok(&lx.t[2], TK_NUMBER, "2e10", 1, 16);
    check_tok(&lx.t[3], TK_NUMBER, "3E+2", 1, 21);
    check_tok(&lx.t[4], TK_NUMBER, "4.5e-3", 1, 26);
    check_tok(&lx.t[5], TK_NUMBER, "0", 1, 33);
    check_tok(&lx.t[6], TK_NUMBER, "007", 1, 35);
    done(&lx);
}

Test(lexer, number_then_unit_are_adjacent_tokens)
{
    struct lexed lx;
    lex(&lx, "5s 10_000ms 1e 2.x 3_ 4__5");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 14);
    check_tok(&lx.t[0], TK_NUMBER, "5", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "s", 1, 2);
    cr_expect_eq(lx.t[1].offset, lx.t[0].offset + lx.t[0].len);
    check_tok(&lx.t[2], TK_NUMBER, "10_000", 1, 4);
    check_tok(&lx.t[3], TK_IDENT, "ms", 1, 10);
    check_tok(&lx.t[4], TK_NUMBER, "1", 1, 13);
    check_tok(&lx.t[5], TK_IDENT, "e", 1, 14);
    check_tok(&lx.t[6], TK_NUMBER, "2", 1, 16);
    check_tok(&lx.t[7], TK_DOT, ".", 1, 17);
    check_tok(&lx.t[8], TK_IDENT, "x", 1, 18);
    check_tok(&lx.t[9], TK_NUMBER, "3", 1, 20);
    check_tok(&lx.t[10], TK_IDENT, "_", 1, 21);
    check_tok(&lx.t[11], TK_NUMBER, "4", 1, 23);
    check_tok(&lx.t[12], TK_IDENT, "__5", 1, 24);
    check_tok(&lx.t[13], TK_EOF, "", 1, 27);
    done(&lx);
}

Test(lexer, strings_keep_escapes_and_doubled_quotes)
{
    struct lexed lx;
    lex(&lx, "'it''s' 'a\\'b' '' 'x\ny' z");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 6);
    check_tok(&lx.t[0], TK_STRING, "it''s", 1, 1);
    check_tok(&lx.t[1], TK_STRING, "a\\'b", 1, 9);
    check_tok(&lx.t[2], TK_STRING, "", 1, 16);
    check_tok(&lx.t[3], TK_STRING, "x\ny", 1, 19);
    check_tok(&lx.t[4], TK_IDENT, "z", 2, 4);
    done(&lx);
}

Test(lexer, quoted_identifiers)
{
    struct lexed lx;
    lex(&lx, "`a b` \"c;d\" \"e\"\"f\" `g\\`h` \"it's\"");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 6);
    check_tok(&lx.t[0], TK_QIDENT, "a b", 1, 1);
    check_tok(&lx.t[1], TK_QIDENT, "c;d", 1, 7);
    check_tok(&lx.t[2], TK_QIDENT, "e\"\"f", 1, 13);
    check_tok(&lx.t[3], TK_QIDENT, "g\\`h", 1, 20);
    check_tok(&lx.t[4], TK_QIDENT, "it's", 1, 27);
    cr_expect_eq(lx.t[1].offset, 6);
    done(&lx);
}

Test(lexer, comments_are_skipped)
{
    struct lexed lx;
    lex(&lx, "a -- one ; 'x\nb /* two ;\n 'y */ c/**/d -- end");
    cr_assert_eq(lx.rc, 0);
    cr_assert_eq(lx.n, 5);
    check_tok(&lx.t[0], TK_IDENT, "a", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "b", 2, 1);
    check_tok(&lx.t[2], TK_IDENT, "c", 3, 8);
    check_tok(&lx.t[3], TK_IDENT, "d", 3, 13);
    check_tok(&lx.t[4], TK_EOF, "", 3, 21);
    done(&lx);

    lex(&lx, "/*/ a */b");
    cr_assert_eq(lx.n, 2);
    check_tok(&lx.t[0], TK_IDENT, "b", 1, 9);
    done(&lx);
}

static void check_lex_error(const char *src, int code, const char *msg)
{
    struct lexed lx;
    lex(&lx, src);
    cr_expect_eq(lx.rc, code, "'%s': rc %d, want %d", src, lx.rc, code);
    cr_expect_eq(lx.err.code, code);
    cr_expect_str_eq(lx.err.msg, msg);
    done(&lx);
}

Test(lexer, unterminated_tokens_are_incomplete)
{
    check_lex_error("'abc", ERR_INCOMPLETE, "line 1, column 1: unterminated string literal");
    check_lex_error("x 'ab\\", ERR_INCOMPLETE, "line 1, column 3: unterminated string literal");
    check_lex_error("'it''", ERR_INCOMPLETE, "line 1, column 1: unterminated string literal");
    check_lex_error("a\n  \"ab", ERR_INCOMPLETE,
                    "line 2, column 3: unterminated quoted identifier");
    check_lex_error("`ab", ERR_INCOMPLETE, "line 1, column 1: unterminated quoted identifier");
    check_lex_error("a /* b", ERR_INCOMPLETE, "line 1, column 3: unterminated comment");
    check_lex_error("/*/", ERR_INCOMPLETE, "line 1, column 1: unterminated comment");
}

Test(lexer, stray_characters)
{
    check_lex_error("a @ b", ERR_SYNTAX, "line 1, column 3: unexpected character '@'");
    check_lex_error("a ! b", ERR_SYNTAX, "line 1, column 3: unexpected character '!'");
    check_lex_error("a | b", ERR_SYNTAX, "line 1, column 3: unexpected character '|'");
    check_lex_error("\x01", ERR_SYNTAX, "line 1, column 1: unexpected character '\\x01'");
    check_lex_error("\t{", ERR_SYNTAX, "line 1, column 2: unexpected character '{'");
}

Test(lexer, stray_character_is_consumed)
{
    struct sql_lexer l;
    struct sql_tok t;
    struct sql_error err;
    char *s = exact_copy("@b", 2);

    sql_lex_init(&l, s, 2);
    cr_assert_eq(sql_lex_next(&l, &t, &err), ERR_SYNTAX);
    cr_assert_eq(sql_lex_next(&l, &t, &err), 0);
    check_tok(&t, TK_IDENT, "b", 1, 2);
    free(s);
}

Test(lexer, never_reads_past_len)
{
    struct lexed lx;
    /* the same text cut short: the copy holds only len bytes */
    lex_all(&lx, "'abc'", 3);
    cr_expect_eq(lx.rc, ERR_INCOMPLETE);
    done(&lx);
    lex_all(&lx, "abc def", 2);
    cr_assert_eq(lx.n, 2);
    check_tok(&lx.t[0], TK_IDENT, "ab", 1, 1);
    done(&lx);
    lex_all(&lx, "1_000", 2);
    cr_assert_eq(lx.n, 3);
    check_tok(&lx.t[0], TK_NUMBER, "1", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "_", 1, 2);
    done(&lx);
    lex_all(&lx, "1e+5", 3);
    check_tok(&lx.t[0], TK_NUMBER, "1", 1, 1);
    check_tok(&lx.t[1], TK_IDENT, "e", 1, 2);
    check_tok(&lx.t[2], TK_PLUS, "+", 1, 3);
    done(&lx);
    lex_all(&lx, "<=", 1);
    check_tok(&lx.t[0], TK_LT, "<", 1, 1);
    done(&lx);
    lex_all(&lx, "/**/", 3);
    cr_expect_eq(lx.rc, ERR_INCOMPLETE);
    done(&lx);
    lex_all(&lx, "--", 1);
    check_tok(&lx.t[0], TK_MINUS, "-", 1, 1);
    done(&lx);
}

static void check_unescape(const char *body, const char *want, size_t want_len)
{
    size_t n = strlen(body);
    char *in = exact_copy(body, n);
    char *out = malloc(n + 1);
    size_t got = sql_unescape(in, n, out);

    cr_expect_eq(got, want_len, "'%s': length %zu, want %zu", body, got, want_len);
    if (got == want_len)
        cr_expect(memcmp(out, want, want_len) == 0, "'%s' unescaped wrong", body);
    cr_expect_eq(out[got], '\0');
    free(in);
    free(out);
}

#define CHECK_UNESCAPE(body, want) check_unescape(body, want, sizeof(want) - 1)

Test(lexer, unescape_every_escape)
{
    CHECK_UNESCAPE("plain", "plain");
    CHECK_UNESCAPE("", "");
    CHECK_UNESCAPE("a\\\\b", "a\\b");
    CHECK_UNESCAPE("\\'", "'");
    CHECK_UNESCAPE("\\\"", "\"");
    CHECK_UNESCAPE("\\`", "`");
    CHECK_UNESCAPE("\\n", "\n");
    CHECK_UNESCAPE("\\t", "\t");
    CHECK_UNESCAPE("\\r", "\r");
    CHECK_UNESCAPE("a\\0b", "a\0b");
    CHECK_UNESCAPE("\\b\\f\\a\\v", "\b\f\a\v");
    CHECK_UNESCAPE("\\x41\\x7a\\xFf", "Az\xff");
    CHECK_UNESCAPE("\\x4", "x4");
    CHECK_UNESCAPE("\\xg1", "xg1");
    CHECK_UNESCAPE("\\x", "x");
    CHECK_UNESCAPE("it''s", "it's");
    CHECK_UNESCAPE("''''", "''");
    CHECK_UNESCAPE("\\'''", "''");
    CHECK_UNESCAPE("\\q\\%\\_", "q%_");
    CHECK_UNESCAPE("\"\"", "\"\"");
    CHECK_UNESCAPE("end\\", "end\\");
}

static void check_split(const char *src, int want, size_t want_stmt, size_t want_consumed)
{
    size_t n = strlen(src), stmt = 99999, consumed = 99999;
    char *s = exact_copy(src, n);
    int got = sql_split(s, n, &stmt, &consumed);

    cr_expect_eq(got, want, "split '%s': %d, want %d", src, got, want);
    if (got && want) {
        cr_expect_eq(stmt, want_stmt, "split '%s': stmt_len %zu, want %zu", src, stmt, want_stmt);
        cr_expect_eq(consumed, want_consumed, "split '%s': consumed %zu, want %zu", src, consumed,
                     want_consumed);
    }
    free(s);
}

Test(lexer, split_finds_the_first_real_semicolon)
{
    check_split("a; b", 1, 1, 2);
    check_split(";", 1, 0, 1);
    check_split("DROP STREAM s;\n", 1, 13, 14);
    check_split("a;b;c", 1, 1, 2);
    check_split("'x;y'; z", 1, 5, 6);
    check_split("'it'';s'; z", 1, 8, 9);
    check_split("'a\\';b'; z", 1, 7, 8);
    check_split("\"q;\";", 1, 4, 5);
    check_split("`q;`;", 1, 4, 5);
    check_split("\"a\"\";\";", 1, 6, 7);
    check_split("-- c;\nx;", 1, 7, 8);
    check_split("/* ; */ x ;", 1, 10, 11);
    check_split("a @ ; b", 1, 4, 5);
    check_split("x 'it''s;' ';' -- ;\n /* ; */ ; y", 1, 29, 30);
}

Test(lexer, split_finds_nothing)
{
    check_split("", 0, 0, 0);
    check_split("abc", 0, 0, 0);
    check_split("'abc;", 0, 0, 0);
    check_split("'abc'';'", 0, 0, 0);
    check_split("\"abc;", 0, 0, 0);
    check_split("`a;", 0, 0, 0);
    check_split("a /* ; ", 0, 0, 0);
    check_split("a -- ;", 0, 0, 0);
    check_split("'a\\';", 0, 0, 0);
}

Test(lexer, is_blank)
{
    static const char *blank[] = {"", " ", " \t\r\n", "-- x", "-- x\n/* y\n */ \n"};
    static const char *not_blank[] = {"a", ";", "/* x", " 'x'", "@", "-- x\ny"};
    size_t i;

    for (i = 0; i < sizeof blank / sizeof blank[0]; i++) {
        char *s = exact_copy(blank[i], strlen(blank[i]));
        cr_expect(sql_is_blank(s, strlen(blank[i])), "'%s' should be blank", blank[i]);
        free(s);
    }
    for (i = 0; i < sizeof not_blank / sizeof not_blank[0]; i++) {
        char *s = exact_copy(not_blank[i], strlen(not_blank[i]));
        cr_expect(!sql_is_blank(s, strlen(not_blank[i])), "'%s' is not blank", not_blank[i]);
        free(s);
    }
    cr_expect(sql_is_blank(NULL, 0));
}
