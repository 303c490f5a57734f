/* jjj_hj212._native, short texts: the key (name) cache and the value (str) cache.
 * Part of the one translation unit _native.c (included there once, after its globals), so
 * that the compiler inlines across the topics; not a public header. */
#ifndef JJJ_HJ212_TEXTS_H
#define JJJ_HJ212_TEXTS_H

/* ---------------------------------------------------------------- short texts
 * Names and short values are hashed and compared as 3 zero-padded words (with their length,
 * since NUL is ASCII too), not byte by byte: most names are 2-12 bytes, an MN 14-24. */
#define WORDS_TEXT 24
typedef struct {
    uint64_t w[3];
} Words;

/* The words of s[0:n] (n <= WORDS_TEXT) in *t, and their hash. */
static inline uint64_t
words_of(const char *s, Py_ssize_t n, Words *t)
{
    t->w[0] = t->w[1] = t->w[2] = 0;
    memcpy(t->w, s, (size_t)n);
    uint64_t h = (t->w[0] ^ (uint64_t)n) * 0x9E3779B97F4A7C15ULL;
    h = (h ^ (h >> 29) ^ t->w[1]) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 32) ^ t->w[2]) * 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
}

static inline int
words_equal(const Words *a, const Words *b)
{
    return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2];
}

/* ---------------------------------------------------------------- the key cache
 * A data-area or header-area name (bytes) -> its str and meaning. Loggers repeat a few hundred
 * names; each is split and mapped once. Emptied (between frames only, so that borrowed
 * references stay alive within one frame) once it holds KEYS_KEPT names. */
#define KEY_SLOTS 8192
#define KEYS_KEPT 4096
enum { K_FIELD = 0, K_TEXT = 1, K_NUMBER = 2, K_BAD = 3 };

typedef struct {
    uint64_t hash;
    Words text;       /* the name, when of at most WORDS_TEXT bytes */
    Py_ssize_t len;
    PyObject *key;    /* the name as str (NULL: empty slot) */
    PyObject *code;   /* 2017 code (K_TEXT, K_NUMBER) */
    PyObject *suffix; /* suffix (K_TEXT, K_NUMBER) */
    int kind;
    int datatime;     /* the name is "DataTime" */
} KeyEntry;

static KeyEntry keys[KEY_SLOTS];
static Py_ssize_t keys_used = 0;

static void
keys_clear(void)
{
    for (Py_ssize_t i = 0; i < KEY_SLOTS; i++) {
        if (keys[i].key) {
            Py_CLEAR(keys[i].key);
            Py_CLEAR(keys[i].code);
            Py_CLEAR(keys[i].suffix);
        }
    }
    keys_used = 0;
}

static inline uint64_t
fnv1a(const char *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* a str of ASCII bytes */
static inline PyObject *
ascii_str(const char *s, Py_ssize_t n)
{
    PyObject *u = PyUnicode_New(n, 127);
    if (u == NULL)
        return NULL;
    memcpy(PyUnicode_1BYTE_DATA(u), s, (size_t)n);
    return u;
}

/* The entry of the name s[0:n] (ASCII), made on first sight; NULL with an exception set on
 * failure (memory). */
static KeyEntry *
key_entry(const char *s, Py_ssize_t n)
{
    Words text = {{0, 0, 0}};
    int short_name = n <= WORDS_TEXT;
    uint64_t h = short_name ? words_of(s, n, &text) : fnv1a(s, n);
    size_t i = (size_t)h & (KEY_SLOTS - 1);
    for (;;) {
        KeyEntry *e = &keys[i];
        if (e->key == NULL)
            break;
        if (e->hash == h && e->len == n &&
            (short_name ? words_equal(&e->text, &text)
                        : memcmp(PyUnicode_1BYTE_DATA(e->key), s, (size_t)n) == 0))
            return e;
        i = (i + 1) & (KEY_SLOTS - 1);
    }
    if (keys_used >= KEY_SLOTS - 1) { /* only if clearing were put off for a whole table */
        PyErr_SetString(PyExc_MemoryError, "jjj_hj212: the key cache is full");
        return NULL;
    }
    KeyEntry *e = &keys[i];
    PyObject *key = ascii_str(s, n);
    if (key == NULL)
        return NULL;
    const char *dash = memchr(s, '-', (size_t)n);
    PyObject *code = NULL, *suffix = NULL;
    int kind;
    if (dash == NULL) {
        kind = K_FIELD;
    } else if (dash == s || dash == s + n - 1) {
        kind = K_BAD; /* "-Rtd" or "w01018-": not <code>-<suffix> in the data area */
    } else {
        PyObject *raw_code = ascii_str(s, dash - s);
        if (raw_code == NULL)
            goto fail;
        code = PyDict_GetItemWithError(old_to_new, raw_code);
        if (code != NULL) {
            Py_INCREF(code);
            Py_DECREF(raw_code);
        } else if (PyErr_Occurred()) {
            Py_DECREF(raw_code);
            goto fail;
        } else {
            code = raw_code;
        }
        PyUnicode_InternInPlace(&code);
        suffix = ascii_str(dash + 1, n - (dash - s) - 1);
        if (suffix == NULL)
            goto fail;
        PyUnicode_InternInPlace(&suffix);
        int numeric = PySet_Contains(numeric_suffixes, suffix);
        if (numeric < 0)
            goto fail;
        kind = numeric ? K_NUMBER : K_TEXT;
    }
    e->hash = h;
    e->text = text;
    e->len = n;
    e->key = key;
    e->code = code;
    e->suffix = suffix;
    e->kind = kind;
    e->datatime = n == 8 && memcmp(s, "DataTime", 8) == 0;
    keys_used++;
    return e;
fail:
    Py_DECREF(key);
    Py_XDECREF(code);
    Py_XDECREF(suffix);
    return NULL;
}

/* ---------------------------------------------------------------- the value cache
 * Short texts repeat: a logger's MN, PW, ST and CN, the minute of DataTime, "N" flags. A
 * direct-mapped table (text bytes -> the str) gives the same
 * immutable object again instead of a new one; a collision replaces the slot. Immutable str
 * objects shared between packets are indistinguishable from fresh equal ones. (Numbers are
 * not kept: their variety made the table's misses cost more than new floats.) */
#define VALUE_SLOTS 8192

typedef struct {
    uint64_t hash;
    PyObject *obj; /* NULL: empty */
    Py_ssize_t len;
    Words text;
} ValueEntry;

static ValueEntry texts[VALUE_SLOTS];

static void
values_clear(void)
{
    for (Py_ssize_t i = 0; i < VALUE_SLOTS; i++) {
        Py_CLEAR(texts[i].obj);
    }
}

/* The slot of s[0:n] in `table`, and whether it holds s (NULL: too long to be kept). */
static inline ValueEntry *
value_slot(ValueEntry *table, const char *s, Py_ssize_t n, int *hit)
{
    *hit = 0;
    if (n > WORDS_TEXT)
        return NULL;
    Words text;
    uint64_t h = words_of(s, n, &text);
    ValueEntry *e = &table[h & (VALUE_SLOTS - 1)];
    *hit = e->obj != NULL && e->hash == h && e->len == n && words_equal(&e->text, &text);
    return e;
}

static inline void
value_keep(ValueEntry *e, const char *s, Py_ssize_t n, PyObject *obj)
{
    if (e == NULL)
        return;
    Py_XSETREF(e->obj, Py_NewRef(obj));
    e->hash = words_of(s, n, &e->text);
    e->len = n;
}


/* A new reference to the str of the ASCII text s[0:n], shared while it stays in the cache. */
static PyObject *
text_of(const char *s, Py_ssize_t n)
{
    int hit;
    ValueEntry *e = value_slot(texts, s, n, &hit);
    if (hit)
        return Py_NewRef(e->obj);
    PyObject *u = ascii_str(s, n);
    if (u != NULL)
        value_keep(e, s, n, u);
    return u;
}



#endif /* JJJ_HJ212_TEXTS_H */
