/*
 * parser.h — recursive-descent SQL parser producing statements.
 *
 * Statements: CREATE [MUTABLE | RANDOM] STREAM, DROP STREAM, SELECT, INSERT INTO ... VALUES
 * and INSERT INTO ... SELECT. Expressions are parsed by precedence
 * climbing into a small AST in which operators are already calls of the
 * function registry's names (a + b is plus(a, b), a LIKE b is like(a, b),
 * CASE is multi_if, x IN (..) is in_list(x, ..)), so the binder resolves
 * every call the same way. Intervals (5s, INTERVAL 5 SECOND) are calls of
 * to_interval_<unit>(n).
 *
 * Ownership: a statement and everything it points to live in the statement's
 * arena; sql_stmt_destroy frees it all. Text fields are unescaped,
 * NUL-terminated copies.
 */
#ifndef SFS_SQL_PARSER_H
#define SFS_SQL_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "sql/error.h"
#include "types/type.h"

enum sql_stmt_kind { SQL_CREATE_STREAM = 1, SQL_DROP_STREAM, SQL_SELECT, SQL_INSERT };

enum sql_value_kind { SQL_V_STRING = 1, SQL_V_INT, SQL_V_FLOAT, SQL_V_IDENT, SQL_V_BOOL };

struct sql_pos {
    uint32_t line;
    uint32_t col;
};

/* A literal in SETTINGS (k = 'x' | 42 | 1.5 | ident | true). */
struct sql_setting {
    const char *name;
    struct sql_pos name_pos;
    enum sql_value_kind kind;
    const char *str;      /* SQL_V_STRING / SQL_V_IDENT text */
    int64_t i;            /* SQL_V_INT / SQL_V_BOOL */
    double f;             /* SQL_V_FLOAT */
    struct sql_pos value_pos;
};

enum sql_expr_kind {
    SX_LIT = 1,   /* literal: vkind with str / i / f; SQL_V_NULL for NULL */
    SX_COL,       /* [qualifier.]name */
    SX_STAR,      /* * or qualifier.* (select list, count(*)) */
    SX_CALL,      /* name(args) or name(params)(args) */
    SX_SUBQUERY,  /* (SELECT ...) as a scalar */
};

#define SQL_V_NULL 100 /* an SX_LIT kind beyond enum sql_value_kind */
#define SQL_V_UINT 101 /* an integer literal above INT64_MAX (in u) */

struct sql_select;

struct sql_expr {
    enum sql_expr_kind kind;
    struct sql_pos pos;
    int vkind;                 /* SX_LIT: enum sql_value_kind or SQL_V_NULL/UINT */
    const char *str;           /* SX_LIT string text; SX_COL/SX_CALL name */
    int64_t i;
    uint64_t u;
    double f;
    const char *qualifier;     /* SX_COL / SX_STAR: stream or alias before '.' */
    uint32_t nargs;
    struct sql_expr **args;    /* SX_CALL */
    uint32_t nparams;          /* SX_CALL: quantile(0.9)(x) has params (0.9) */
    struct sql_expr **params;
    int distinct;              /* SX_CALL: count(DISTINCT x) */
    int is_operator;           /* SX_CALL written as an operator (for messages) */
    struct sql_select *sub;    /* SX_SUBQUERY */
};

struct sql_select_item {
    struct sql_expr *e;
    const char *alias;         /* NULL when none */
    struct sql_pos alias_pos;
};

enum sql_from_kind {
    SF_STREAM = 1,   /* FROM s: streaming */
    SF_TABLE,        /* FROM table(s): historical */
    SF_FUNC,         /* FROM numbers(N), tumble(...), ...: name and args */
    SF_SUBQUERY,     /* FROM (SELECT ...) */
};

/* FROM tumble(s, [time,] size), hop(s, [time,] slide, size),
 * session(s, [time,] timeout [, max_length]); s may be table(s); time is
 * a column name or an expression (Proton).
 * Intervals are checked and converted here (fixed units only). */
enum sql_win_kind { SQL_WIN_TUMBLE = 1, SQL_WIN_HOP, SQL_WIN_SESSION };

struct sql_window {
    enum sql_win_kind kind;
    struct sql_pos pos;        /* the function's name */
    const char *time_col;      /* NULL: _tp_time (or time_expr) */
    const struct sql_expr *time_expr; /* the time as an expression (Proton), or NULL */
    struct sql_pos time_pos;
    int64_t size_ns;           /* tumble, hop: the size; session: the timeout */
    int64_t slide_ns;          /* hop */
    int64_t max_len_ns;        /* session; 0: not given (5 x timeout) */
};

/* EMIT [STREAM] policy [AND|WITH DELAY d] [AND TIMEOUT t] (Proton). */
enum sql_emit_kind {
    SQL_EMIT_NONE = 0,         /* no EMIT clause, or only DELAY / TIMEOUT */
    SQL_EMIT_WATERMARK,        /* AFTER WATERMARK, AFTER WINDOW CLOSE */
    SQL_EMIT_PERIODIC,
    SQL_EMIT_ON_UPDATE,
    SQL_EMIT_CHANGELOG,
};

struct sql_emit {
    int given;                 /* an EMIT clause was written */
    enum sql_emit_kind kind;
    struct sql_pos pos;        /* the EMIT keyword */
    int stream;                /* EMIT STREAM */
    int64_t delay_ns;          /* WITH DELAY / AND DELAY; 0: none */
    int64_t periodic_ns;       /* PERIODIC */
    int64_t timeout_ns;        /* TIMEOUT; 0: none */
};

struct sql_from {
    enum sql_from_kind kind;
    struct sql_pos pos;
    const char *name;          /* stream, CTE or table function name */
    struct sql_pos name_pos;
    uint32_t nargs;            /* SF_FUNC */
    struct sql_expr **args;
    struct sql_select *sub;    /* SF_SUBQUERY */
    const char *alias;
    struct sql_window *win;    /* a window over stream name (kind SF_STREAM or
                                * SF_TABLE), or NULL */
};

struct sql_order_item {
    struct sql_expr *e;
    int desc;
    int nulls_first;           /* -1 default, 0 NULLS LAST, 1 NULLS FIRST */
};

/* WITH name AS (SELECT ...) or WITH expr AS name. */
struct sql_with {
    const char *name;
    struct sql_pos pos;
    struct sql_select *sub;    /* a named subquery, or */
    struct sql_expr *e;        /* a named expression */
};

struct sql_select {
    struct sql_pos pos;
    uint32_t nwith;
    struct sql_with *with;
    int distinct;
    uint32_t nitems;
    struct sql_select_item *items;
    struct sql_from *from;     /* NULL: SELECT without FROM (one row) */
    struct sql_expr *where;
    uint32_t ngroup;
    struct sql_expr **group;
    struct sql_expr *having;
    uint32_t npartition;       /* PARTITION BY (after WHERE or GROUP BY) */
    struct sql_expr **partition;
    struct sql_pos partition_pos;
    struct sql_emit emit;
    uint32_t norder;
    struct sql_order_item *order;
    int has_limit, has_offset;
    uint64_t limit, offset;
    struct sql_pos limit_pos;
    uint32_t nsettings;
    struct sql_setting *settings;
    const char *format;        /* FORMAT name, or NULL */
    struct sql_pos format_pos;
};

struct sql_column_def {
    const char *name;
    struct sql_pos pos;
    struct ty ty;
    struct sql_pos type_pos;
    struct sql_expr *def;      /* DEFAULT expr, or NULL */
    const char *def_text;      /* its source text, as written */
};

/* INDEX name (c, ...) / FAMILY name (c, ...) inside CREATE MUTABLE STREAM,
 * and its PRIMARY KEY (c, ...) (name NULL). */
struct sql_col_group {
    const char *name;
    struct sql_pos pos;
    uint32_t ncols;
    const char **cols;
    struct sql_pos *col_pos;
};

struct sql_stmt {
    enum sql_stmt_kind kind;
    struct sql_pos pos;
    union {
        struct {
            const char *name;
            struct sql_pos name_pos;
            int if_not_exists;
            int random;              /* CREATE RANDOM STREAM */
            uint32_t ncols;
            struct sql_column_def *cols;
            uint32_t nsettings;
            struct sql_setting *settings;
            int is_mutable;          /* CREATE MUTABLE STREAM */
            struct sql_col_group key; /* PRIMARY KEY */
            uint32_t nindex, nfamily;
            struct sql_col_group *index, *family;
        } create;
        struct {
            const char *name;
            struct sql_pos name_pos;
            int if_exists;
        } drop;
        struct sql_select *select;
        struct {
            const char *target;
            struct sql_pos target_pos;
            uint32_t ncols;          /* 0: no column list */
            const char **cols;
            struct sql_pos *col_pos;
            uint32_t nrows;          /* VALUES rows, each of nvalues expressions */
            uint32_t nvalues;
            struct sql_expr **values; /* nrows * nvalues, row-major */
            struct sql_select *select; /* INSERT ... SELECT, or NULL */
        } insert;
    } u;
    void *arena; /* private */
};

/*
 * Parse exactly one statement from text (a trailing ';' and whitespace /
 * comments are allowed). Returns 0 with *out set; ERR_INCOMPLETE when the
 * text ended where more was expected (e.g. "CREATE STREAM s ("), so framing
 * can wait for the next write; ERR_SYNTAX or -EINVAL otherwise, with err
 * filled: "line 1, column 24: unknown type 'int33', did you mean 'int32'?".
 */
int sql_parse(const char *text, size_t len, struct sql_stmt **out, struct sql_error *err);
/* The same, for text that starts at position start of a larger input (a
 * statement inside a script): errors name positions in the whole input. */
int sql_parse_at(const char *text, size_t len, struct sql_pos start, struct sql_stmt **out,
                 struct sql_error *err);
void sql_stmt_destroy(struct sql_stmt *s);

#endif
