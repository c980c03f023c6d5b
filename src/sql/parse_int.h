/*
 * parse_int.h — the parser's shared machinery, private to src/sql: the
 * arena every node of a statement lives in, the parser context (lexer,
 * one token of lookahead, error, arena) and the helpers each grammar file
 * (parser.c: statements and DDL; parse_expr.c: expressions; parse_select.c:
 * SELECT and INSERT) builds on.
 */
#ifndef SFS_SQL_PARSE_INT_H
#define SFS_SQL_PARSE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sql/error.h"
#include "sql/lexer.h"
#include "sql/parser.h"

/* Longer texts could overflow the lexer's 32-bit offsets. */
#define MAX_TEXT (UINT32_MAX / 2)
#define ARENA_CHUNK 4096
#define MAX_TYPE_PARAMS 4
/* Source bytes of a culprit quoted in a message before it is cut with "...". */
#define CULPRIT_BYTES 48
#define CULPRIT_MAX 256

struct chunk {
    struct chunk *next;
    size_t used;
    size_t cap;
    max_align_t mem[];
};

struct arena {
    struct chunk *head;
};

struct parser {
    const char *src;
    struct sql_lexer lx;
    struct sql_tok la; /* the lookahead token, valid when has_la */
    int has_la;
    struct sql_error *err;
    struct arena *arena;
    int depth; /* expression nesting (parse_expr.c bounds it) */
};

void *sql_p_arena_alloc(struct arena *a, size_t n);
int sql_p_peek(struct parser *p, const struct sql_tok **t);
/* Consume the lookahead token, copying it to t when t is not NULL. */
int sql_p_next(struct parser *p, struct sql_tok *t);
struct sql_pos sql_p_pos_of(const struct sql_tok *t);
/* Keywords are unquoted identifiers, compared without regard to case. */
int sql_p_is_kw(const struct sql_tok *t, const char *kw);
/* Whether the token after the lookahead is keyword kw. Call after peek. */
int sql_p_second_is_kw(const struct parser *p, const char *kw);
const char *sql_p_culprit(const struct parser *p, const struct sql_tok *t, char out[CULPRIT_MAX]);
int sql_p_fail_at(const struct parser *p, const struct sql_tok *t, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "expected <what>, got 'x'"; at the end of the text, ERR_INCOMPLETE. */
int sql_p_unexpected(const struct parser *p, const struct sql_tok *t, const char *what);
int sql_p_no_memory(const struct parser *p);
/* "<lead> 'x'<tail>", with ", did you mean 'y'?" when a candidate is close. */
int sql_p_unknown_word(const struct parser *p, const struct sql_tok *t, int code, const char *lead,
                       const char *tail, const char *const *candidates, int n);
int sql_p_expect(struct parser *p, enum sql_tok_kind kind, const char *what);
int sql_p_expect_kw(struct parser *p, const char *kw, const char *what);
/* Consume the lookahead when it is of kind; *found says whether it was. */
int sql_p_accept(struct parser *p, enum sql_tok_kind kind, int *found);
/* The text of a name or string token as a NUL-terminated arena copy. */
int sql_p_tok_text(struct parser *p, const struct sql_tok *t, const char **text);
/* A name: an identifier or a quoted identifier. */
int sql_p_take_name(struct parser *p, const char *what, const char **name, struct sql_pos *pos);
/* Double an arena array of elem-sized items holding *cap of them. */
int sql_p_grow(struct parser *p, void **items, uint32_t *cap, size_t elem);
int sql_p_is_float_text(const struct sql_tok *t);
/* An integer literal (digits and '_'), negated when neg. */
int sql_p_int_value(const struct parser *p, const struct sql_tok *t, int neg, int64_t *out);
int sql_p_float_value(struct parser *p, const struct sql_tok *t, int neg, double *out);
/* int32 | datetime64(3) | nullable(T) */
int sql_p_parse_type(struct parser *p, struct ty *ty, struct sql_pos *pos);
/* An optional ';', then only comments to the end of the text. */
int sql_p_finish(struct parser *p, const char *what);
/* SETTINGS k = v, ... (SETTINGS already read) into an arena array. */
int sql_p_settings(struct parser *p, struct sql_setting **out, uint32_t *n);

/* Expressions (parse_expr.c). */
int sql_p_expr(struct parser *p, struct sql_expr **out);
/* 1 for a keyword that ends an expression or select item (FROM, WHERE, ...). */
int sql_p_reserved(const struct sql_tok *t);
/* SELECT (parse_select.c): the SELECT or WITH keyword is the lookahead. */
int sql_p_select(struct parser *p, struct sql_select **out);
/* INSERT INTO ... (INSERT already read). */
int sql_p_insert(struct parser *p, struct sql_stmt *s);

#endif
