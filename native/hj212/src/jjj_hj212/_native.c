/* jjj_hj212._native: one pass over HJ 212 bytes - framing, length, CRC, fields, values - that
 * builds the same Packet objects as jingjinji.sources.kernels.packet.parse_packet.
 *
 * The reference is the Python parse_packet (and Framer._scan for framing). This module decides
 * the common case itself: a frame whose bytes, length, CRC and fields all check out, with an
 * ASCII data segment and numbers in plain decimal notation, becomes a valid Packet built here.
 * Every other frame - any failed check, a non-ASCII segment, a number Python's float() reads
 * but the strict pattern here does not (" 1", "1_0", "inf") - is handed to the reference
 * parse_packet, whose Packet is returned as is: its reason, detail and diagnostics are the
 * reference's by construction. Framing errors are made by a Python callback too.
 *
 * Tables (2005 -> 2017 codes, numeric suffixes, Flag versions) and the classes are given by the
 * Python side once, through configure(), so that each stays defined in one place.
 */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <datetime.h>
#include <stdint.h>
#include <string.h>
#include <locale.h>
#include <stdlib.h>
#include <math.h>

#define N_FIELDS 19
static const char *FIELD_NAMES[N_FIELDS] = {
    "valid", "reason", "detail", "version", "qn", "st", "cn", "pw", "mn", "flag",
    "pnum", "pno", "data_time", "crc_declared", "crc_computed", "length_declared",
    "values", "fields", "raw",
};
enum {
    F_VALID, F_REASON, F_DETAIL, F_VERSION, F_QN, F_ST, F_CN, F_PW, F_MN, F_FLAG,
    F_PNUM, F_PNO, F_DATA_TIME, F_CRC_DECLARED, F_CRC_COMPUTED, F_LENGTH_DECLARED,
    F_VALUES, F_FIELDS, F_RAW,
};

/* header keys, in the order of the slots below */
enum { H_QN, H_ST, H_CN, H_PW, H_MN, H_FLAG, H_PNUM, H_PNO, N_HEADER };

static PyTypeObject *packet_type = NULL;
static Py_ssize_t offsets[N_FIELDS];
static PyObject *reference = NULL;     /* parse_packet(frame) -> Packet */
static PyObject *framing_error = NULL; /* framing_error(kind, declared, data) -> FramingError */
static PyObject *china_tz = NULL;      /* the tzinfo of DataTime */
static PyObject *old_to_new = NULL;    /* dict */
static PyObject *numeric_suffixes = NULL; /* frozenset */
static PyObject *versions[256];        /* version of each Flag 0..255 */
static PyObject *no_flag_version = NULL;
static PyObject *datatime_key = NULL;  /* "DataTime" */
static PyObject *times = NULL;         /* DataTime text -> datetime, of valid times */
#define TIMES_KEPT 4096
static Py_ssize_t max_segment = 1024;
static int configured = 0;
static unsigned long long fallback_count = 0;

static uint16_t STEP[256];
static PyObject *crc_text[256]; /* the CRC text of STEP[y], made on first use */

/* The CRC's register after a byte b is STEP[(register >> 8) ^ b]: only its high byte carries
 * on, through H(v) = STEP[v] >> 8, which is linear over GF(2) (shifts and XORs of a constant).
 * So 8 bytes fold into 8 independent look-ups (slicing-by-8) instead of a chain of 8:
 * h' = H^8(h ^ b1) ^ H^7(b2) ^ ... ^ H(b8), with SLICE[k] = H^(k+1). */
static uint8_t SLICE[8][256];

/* The register after the bytes s[0:n] (the CRC), and in *last the index of its last step. */
static unsigned int
crc_register(const unsigned char *s, Py_ssize_t n, unsigned int *last)
{
    if (n == 0) {
        *last = 0;
        return 0xFFFF;
    }
    unsigned int h = 0xFF;
    Py_ssize_t i = 0, m = n - 1; /* the bytes before the last feed the high byte */
    for (; i + 8 <= m; i += 8)
        h = SLICE[7][h ^ s[i]] ^ SLICE[6][s[i + 1]] ^ SLICE[5][s[i + 2]] ^ SLICE[4][s[i + 3]] ^
            SLICE[3][s[i + 4]] ^ SLICE[2][s[i + 5]] ^ SLICE[1][s[i + 6]] ^ SLICE[0][s[i + 7]];
    for (; i < m; i++)
        h = SLICE[0][h ^ s[i]];
    *last = h ^ s[m];
    return STEP[*last];
}

/* Whether s[0:n] is ASCII, 8 bytes at a time. */
static int
all_ascii(const char *s, Py_ssize_t n)
{
    uint64_t high = 0, word;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&word, s + i, 8);
        high |= word;
    }
    for (; i < n; i++)
        high |= (unsigned char)s[i];
    return (high & 0x8080808080808080ULL) == 0;
}

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

/* ---------------------------------------------------------------- small readers */

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


static inline int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An integer 0..largest of 1-4 ASCII digits (as _small_int), -1 otherwise. */
static inline long
small_int(const char *s, Py_ssize_t n, long largest)
{
    if (n < 1 || n > 4)
        return -1;
    long v = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= largest ? v : -1;
}

/* Whether s[0:n] is a plain decimal number: [+-]?(digits[.digits]|.digits)([eE][+-]?digits)? */
static int
plain_number(const char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0, whole = 0, frac = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i])) {
        i++;
        whole++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            i++;
            frac++;
        }
    }
    if (whole == 0 && frac == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        Py_ssize_t exp = 0;
        while (i < n && is_digit(s[i])) {
            i++;
            exp++;
        }
        if (exp == 0)
            return 0;
    }
    return i == n;
}

static locale_t c_locale = (locale_t)0;

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The double of a plain number in *out, correctly rounded as Python's float() reads it: 1; 0
 * when it is not plain or not finite (the reference decides).
 *
 * Exactness: float() rounds the decimal to the nearest double (David Gay's dtoa). Here a
 * number of at most 2**53 as an integer of digits, scaled by 10**k with |k| <= 22, is one
 * multiplication or division of two exact doubles, which IEEE 754 rounds correctly (Clinger's
 * fast path, the one dtoa takes too); any other goes to glibc's strtod_l in the C locale,
 * which is correctly rounded as well. Both therefore give float()'s double. */
static int
read_double(const char *s, Py_ssize_t n, double *out)
{
    if (!plain_number(s, n))
        return 0;
    Py_ssize_t i = 0;
    int negative = 0;
    if (s[i] == '+' || s[i] == '-')
        negative = s[i++] == '-';
    uint64_t mantissa = 0;
    int digits = 0, scale = 0, fast = 1;
    for (; i < n && is_digit(s[i]); i++) {
        if (mantissa || s[i] != '0')
            digits++;
        if (digits > 19) {
            fast = 0;
            break;
        }
        mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
    }
    if (fast && i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++) {
            if (mantissa || s[i] != '0')
                digits++;
            if (digits > 19) {
                fast = 0;
                break;
            }
            mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
            scale--;
        }
    }
    if (fast && i < n) { /* an exponent: strtod_l reads it */
        fast = 0;
    }
    double v;
    if (fast && mantissa <= (1ULL << 53) && scale >= -22) {
        v = scale < 0 ? (double)mantissa / POW10[-scale] : (double)mantissa;
        if (negative)
            v = -v;
    } else {
        char text[400];
        if (n >= (Py_ssize_t)sizeof(text))
            return 0;
        memcpy(text, s, (size_t)n);
        text[n] = '\0';
        char *end = NULL;
        v = strtod_l(text, &end, c_locale);
        if (end != text + n)
            return 0;
    }
    if (!isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* The aware datetime of a DataTime text (an ASCII str), as packet.parse_time gives it: 14 or
 * 17 digits (milliseconds), a real date and time, and one with a UTC time (not before 08:00 on
 * 0001-01-01); NULL without an exception otherwise. The datetime constructor checks the
 * ranges (days of the month, leap years) exactly as Python's does, being the same code. */
static PyObject *
read_time(PyObject *stamp)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(stamp);
    if (!PyUnicode_IS_ASCII(stamp) || (n != 14 && n != 17))
        return NULL;
    const char *t = (const char *)PyUnicode_1BYTE_DATA(stamp);
    int d[17];
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_digit(t[i]))
            return NULL;
        d[i] = t[i] - '0';
    }
    int year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
    int month = d[4] * 10 + d[5], day = d[6] * 10 + d[7];
    int hour = d[8] * 10 + d[9], minute = d[10] * 10 + d[11], second = d[12] * 10 + d[13];
    int micro = n == 17 ? (d[14] * 100 + d[15] * 10 + d[16]) * 1000 : 0;
    if (year == 1 && month == 1 && day == 1 && hour < 8)
        return NULL; /* no UTC time: astimezone overflows */
    PyObject *moment = PyDateTimeAPI->DateTime_FromDateAndTime(
        year, month, day, hour, minute, second, micro, china_tz, PyDateTimeAPI->DateTimeType);
    if (moment == NULL && PyErr_ExceptionMatches(PyExc_ValueError))
        PyErr_Clear();
    return moment;
}

/* ---------------------------------------------------------------- the data area */

/* One pass over a data area [p, end): name=value items split by ';' or ','.
 * Checking (`fields` given, at parse time): the other fields go to `fields` (the first of a
 * name counts), every name and every number of a value field is checked, nothing else is made;
 * a number is checked even where it repeats a field (only the first counts), so such a frame
 * goes to the reference rather than being decided here on a guess.
 * Reading (`values` given, on first access to Packet.values): the value fields go to `values`
 * by 2017 code, the first of a repeated code and suffix counting, as packet._read_values does;
 * the other fields are skipped.
 * 0: done; 1: the reference must decide (checking only); -1: an exception is set. */
static int
read_area(const char *p, const char *end, PyObject *fields, PyObject *values)
{
    PyObject *last_code = NULL, *entry = NULL; /* borrowed */
    while (p < end) {
        const char *stop = p;
        while (stop < end && *stop != ';' && *stop != ',')
            stop++;
        if (stop > p) {
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            if (eq == NULL || eq == p)
                goto unchecked;
            KeyEntry *e = key_entry(p, eq - p);
            if (e == NULL)
                return -1;
            if (e->kind == K_BAD)
                goto unchecked;
            const char *v = eq + 1;
            Py_ssize_t vn = stop - v;
            double number;
            if (fields != NULL) {
                if (e->kind == K_FIELD) {
                    PyObject *value = text_of(v, vn);
                    if (value == NULL)
                        return -1;
                    PyObject *kept = PyDict_SetDefault(fields, e->key, value);
                    Py_DECREF(value);
                    if (kept == NULL)
                        return -1;
                } else if (e->kind == K_NUMBER && !read_double(v, vn, &number)) {
                    return 1;
                }
            } else if (e->kind != K_FIELD) {
                if (e->code != last_code) {
                    last_code = e->code;
                    entry = PyDict_GetItemWithError(values, e->code);
                    if (entry == NULL) {
                        if (PyErr_Occurred())
                            return -1;
                        entry = PyDict_New();
                        if (entry == NULL)
                            return -1;
                        int bad = PyDict_SetItem(values, e->code, entry);
                        Py_DECREF(entry); /* values holds it */
                        if (bad)
                            return -1;
                    }
                }
                int seen = PyDict_Contains(entry, e->suffix);
                if (seen < 0)
                    return -1;
                if (!seen) { /* a repeated field: the first one counts */
                    PyObject *value;
                    if (e->kind == K_NUMBER) {
                        if (!read_double(v, vn, &number))
                            goto unchecked;
                        value = PyFloat_FromDouble(number);
                    } else {
                        value = text_of(v, vn);
                    }
                    if (value == NULL)
                        return -1;
                    int bad = PyDict_SetItem(entry, e->suffix, value);
                    Py_DECREF(value);
                    if (bad)
                        return -1;
                }
            }
        }
        p = stop + 1;
    }
    return 0;
unchecked:
    if (fields != NULL)
        return 1;
    PyErr_SetString(PyExc_SystemError, "jjj_hj212: a data area checked at parse time does not read");
    return -1;
}

/* ---------------------------------------------------------------- values read on first use
 * A valid Packet built here holds a Pending in its `values` slot: its frame and where the
 * data area lies, the area checked already (read_area). The Packet class's `values` is a
 * LazySlot, put there by configure() in place of the slot's member descriptor: the first read
 * of packet.values reads the area into the dict of dicts and floats, puts the dict in the slot
 * and returns it; later reads return the dict. So a consumer that never looks at the values
 * (the gateway: header fields, fields["DataTime"], raw) never makes them - they were most of the
 * cost of a Packet. Whatever decides valid, reason and detail was decided at parse time, so
 * reading cannot fail but for memory. Every other slot behaves as the member descriptor did
 * (set and delete through object.__setattr__, AttributeError when empty). */
typedef struct {
    PyObject_HEAD
    PyObject *raw;        /* the frame (bytes), Packet.raw */
    Py_ssize_t start, end; /* the data area: raw[start:end], between "CP=&&" and "&&" */
} Pending;

static void
pending_dealloc(Pending *self)
{
    Py_XDECREF(self->raw);
    PyObject_Free(self);
}

static PyTypeObject PendingType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "jjj_hj212._native.Pending",
    .tp_basicsize = sizeof(Pending),
    .tp_dealloc = (destructor)pending_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The checked data area of a Packet whose values are not read yet.",
};

static int keys_busy = 0; /* a parse or a read is using borrowed key entries: do not clear */
static unsigned long long values_read_count = 0; /* Pendings read into values */

static PyObject *
pending_new(PyObject *raw, const char *start, const char *end)
{
    Pending *p = PyObject_New(Pending, &PendingType);
    if (p == NULL)
        return NULL;
    const char *f = PyBytes_AS_STRING(raw);
    p->raw = Py_NewRef(raw);
    p->start = start - f;
    p->end = end - f;
    return (PyObject *)p;
}

/* The values dict of a Pending: a new reference, NULL with an exception set. */
static PyObject *
pending_read(Pending *p)
{
    PyObject *values = PyDict_New();
    if (values == NULL)
        return NULL;
    Py_INCREF(p); /* its frame stays while being read, whatever the slot holds meanwhile */
    const char *f = PyBytes_AS_STRING(p->raw);
    keys_busy++;
    int bad = read_area(f + p->start, f + p->end, NULL, values);
    keys_busy--;
    Py_DECREF(p);
    if (bad) {
        Py_DECREF(values);
        return NULL;
    }
    return values;
}

typedef struct {
    PyObject_HEAD
    PyTypeObject *owner; /* the Packet class */
    PyObject *name;      /* "values" */
    Py_ssize_t offset;   /* of the slot in a Packet */
} LazySlot;

static PyObject **
lazy_slot(LazySlot *d, PyObject *obj)
{
    if (!PyObject_TypeCheck(obj, d->owner)) {
        PyErr_Format(PyExc_TypeError, "descriptor '%U' for '%.100s' objects doesn't apply to a '%.100s' object",
                     d->name, d->owner->tp_name, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return (PyObject **)((char *)obj + d->offset);
}

static PyObject *
lazy_get(LazySlot *d, PyObject *obj, PyObject *type)
{
    if (obj == NULL)
        return Py_NewRef(d);
    PyObject **slot = lazy_slot(d, obj);
    if (slot == NULL)
        return NULL;
    PyObject *value = *slot;
    if (value == NULL) {
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%U'",
                     Py_TYPE(obj)->tp_name, d->name);
        return NULL;
    }
    if (!Py_IS_TYPE(value, &PendingType))
        return Py_NewRef(value);
    PyObject *values = pending_read((Pending *)value);
    if (values == NULL)
        return NULL;
    values_read_count++;
    Py_SETREF(*slot, Py_NewRef(values));
    return values;
}

static int
lazy_set(LazySlot *d, PyObject *obj, PyObject *value)
{
    PyObject **slot = lazy_slot(d, obj);
    if (slot == NULL)
        return -1;
    if (value == NULL && *slot == NULL) {
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%U'",
                     Py_TYPE(obj)->tp_name, d->name);
        return -1;
    }
    Py_XSETREF(*slot, Py_XNewRef(value));
    return 0;
}

static int
lazy_traverse(LazySlot *d, visitproc visit, void *arg)
{
    Py_VISIT(d->owner);
    return 0;
}

static void
lazy_dealloc(LazySlot *d)
{
    PyObject_GC_UnTrack(d);
    Py_XDECREF(d->owner);
    Py_XDECREF(d->name);
    PyObject_GC_Del(d);
}

static PyTypeObject LazySlotType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "jjj_hj212._native.LazySlot",
    .tp_basicsize = sizeof(LazySlot),
    .tp_dealloc = (destructor)lazy_dealloc,
    .tp_traverse = (traverseproc)lazy_traverse,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_descr_get = (descrgetfunc)lazy_get,
    .tp_descr_set = (descrsetfunc)lazy_set,
    .tp_doc = "A Packet slot whose value is made on first read (see _native.c).",
};

static PyObject *
lazy_new(PyTypeObject *owner, PyObject *name, Py_ssize_t offset)
{
    LazySlot *d = PyObject_GC_New(LazySlot, &LazySlotType);
    if (d == NULL)
        return NULL;
    d->owner = (PyTypeObject *)Py_NewRef(owner);
    d->name = Py_NewRef(name);
    d->offset = offset;
    PyObject_GC_Track(d);
    return (PyObject *)d;
}

/* ---------------------------------------------------------------- one frame */

#define FALLBACK ((PyObject *)&fallback_marker)
static int fallback_marker;

/* Packet of one frame when every check passes here; FALLBACK when the reference must decide;
 * NULL with an exception on failure (memory). `raw` is the object to keep as Packet.raw. */
static PyObject *
fast_parse(const char *f, Py_ssize_t n, PyObject *raw)
{
    if (n >= 2 && f[n - 2] == '\r' && f[n - 1] == '\n')
        n -= 2;
    if (n < 10 || f[0] != '#' || f[1] != '#')
        return FALLBACK;
    Py_ssize_t declared = 0;
    for (int i = 2; i < 6; i++) {
        if (!is_digit(f[i]))
            return FALLBACK;
        declared = declared * 10 + (f[i] - '0');
    }
    const char *seg = f + 6;
    Py_ssize_t len = n - 10;
    if (declared > max_segment || len != declared)
        return FALLBACK;
    unsigned int y;
    unsigned int reg = crc_register((const unsigned char *)seg, len, &y);
    if (!all_ascii(seg, len))
        return FALLBACK; /* not ASCII: the reference decodes UTF-8 */
    unsigned int crc = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_value(seg[len + i]);
        if (d < 0)
            return FALLBACK;
        crc = (crc << 4) | (unsigned int)d;
    }
    if (len == 0 || crc != reg)
        return FALLBACK;
    /* the data area: the first "CP=&&", at least "CP=&&&&", ending in "&&" */
    const char *cp = NULL;
    for (Py_ssize_t i = 0; i + 5 <= len; i++) {
        if (seg[i] == 'C' && memcmp(seg + i, "CP=&&", 5) == 0) {
            cp = seg + i;
            break;
        }
    }
    if (cp == NULL || (seg + len) - cp < 7 || seg[len - 1] != '&' || seg[len - 2] != '&')
        return FALLBACK;

    PyObject *packet = NULL, *values = NULL, *fields = NULL, *value = NULL;
    PyObject *state[N_FIELDS] = {NULL};
    const char *hs[N_HEADER];
    Py_ssize_t hn[N_HEADER];
    for (int k = 0; k < N_HEADER; k++)
        hs[k] = NULL, hn[k] = 0;
    fields = PyDict_New();
    if (fields == NULL)
        goto fail;

    /* the header area: name=value items split by ';' */
    for (const char *p = seg; p < cp;) {
        const char *semi = memchr(p, ';', (size_t)(cp - p));
        const char *stop = semi ? semi : cp;
        if (stop > p) {
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            if (eq == NULL || eq == p)
                goto fallback;
            Py_ssize_t kn = eq - p;
            int slot = -1;
            switch (kn) {
            case 2:
                slot = p[0] == 'Q' && p[1] == 'N'   ? H_QN
                       : p[0] == 'S' && p[1] == 'T' ? H_ST
                       : p[0] == 'C' && p[1] == 'N' ? H_CN
                       : p[0] == 'P' && p[1] == 'W' ? H_PW
                       : p[0] == 'M' && p[1] == 'N' ? H_MN
                                                    : -1;
                break;
            case 3:
                slot = memcmp(p, "PNO", 3) == 0 ? H_PNO : -1;
                break;
            case 4:
                slot = memcmp(p, "Flag", 4) == 0 ? H_FLAG : memcmp(p, "PNUM", 4) == 0 ? H_PNUM : -1;
                break;
            }
            if (slot >= 0) {
                if (hs[slot] == NULL)
                    hs[slot] = eq + 1, hn[slot] = stop - eq - 1;
            } else {
                KeyEntry *e = key_entry(p, kn);
                if (e == NULL)
                    goto fail;
                value = text_of(eq + 1, stop - eq - 1);
                if (value == NULL || PyDict_SetDefault(fields, e->key, value) == NULL)
                    goto fail;
                Py_CLEAR(value);
            }
        }
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    for (int k = H_ST; k <= H_MN; k++)
        if (hs[k] == NULL || hn[k] == 0)
            goto fallback;
    if (hn[H_CN] != 4 || small_int(hs[H_CN], 4, 9999) < 0)
        goto fallback;
    long flag = -1, pnum = -1, pno = -1;
    if (hs[H_FLAG] && (flag = small_int(hs[H_FLAG], hn[H_FLAG], 255)) < 0)
        goto fallback;
    if (hs[H_PNUM] && (pnum = small_int(hs[H_PNUM], hn[H_PNUM], 9999)) < 0)
        goto fallback;
    if (hs[H_PNO] && (pno = small_int(hs[H_PNO], hn[H_PNO], 9999)) < 0)
        goto fallback;

    /* the data area: its fields are kept; its values are checked, read later (Pending) */
    int area = read_area(cp + 5, seg + len - 2, fields, NULL);
    if (area < 0)
        goto fail;
    if (area > 0)
        goto fallback;
    values = pending_new(raw, cp + 5, seg + len - 2);
    if (values == NULL)
        goto fail;

    /* DataTime: YYYYMMDDhhmmss[zzz] in China time, as packet.parse_time reads it */
    PyObject *stamp = PyDict_GetItemWithError(fields, datatime_key);
    if (stamp != NULL) {
        PyObject *moment = PyDict_GetItemWithError(times, stamp);
        if (moment == NULL) {
            if (PyErr_Occurred())
                goto fail;
            moment = read_time(stamp);
            if (moment == NULL) {
                if (PyErr_Occurred())
                    goto fail;
                goto fallback; /* not a time: the reference says why */
            }
            if (PyDict_GET_SIZE(times) >= TIMES_KEPT)
                PyDict_Clear(times);
            int bad = PyDict_SetItem(times, stamp, moment);
            Py_DECREF(moment);
            if (bad)
                goto fail;
        }
        state[F_DATA_TIME] = Py_NewRef(moment);
    } else if (PyErr_Occurred()) {
        goto fail;
    } else {
        state[F_DATA_TIME] = Py_NewRef(Py_None);
    }

    if (crc_text[y] == NULL) {
        char hex[8];
        snprintf(hex, sizeof(hex), "%04X", reg);
        if ((crc_text[y] = PyUnicode_FromString(hex)) == NULL)
            goto fail;
    }
    state[F_VALID] = Py_NewRef(Py_True);
    state[F_REASON] = Py_NewRef(Py_None);
    state[F_DETAIL] = Py_NewRef(Py_None);
    state[F_VERSION] = Py_NewRef(flag >= 0 ? versions[flag] : no_flag_version);
    state[F_QN] = hs[H_QN] ? text_of(hs[H_QN], hn[H_QN]) : Py_NewRef(Py_None);
    state[F_ST] = text_of(hs[H_ST], hn[H_ST]);
    state[F_CN] = text_of(hs[H_CN], hn[H_CN]);
    state[F_PW] = text_of(hs[H_PW], hn[H_PW]);
    state[F_MN] = text_of(hs[H_MN], hn[H_MN]);
    state[F_FLAG] = flag >= 0 ? PyLong_FromLong(flag) : Py_NewRef(Py_None);
    state[F_PNUM] = pnum >= 0 ? PyLong_FromLong(pnum) : Py_NewRef(Py_None);
    state[F_PNO] = pno >= 0 ? PyLong_FromLong(pno) : Py_NewRef(Py_None);
    state[F_CRC_DECLARED] = Py_NewRef(crc_text[y]);
    state[F_CRC_COMPUTED] = Py_NewRef(crc_text[y]);
    state[F_LENGTH_DECLARED] = PyLong_FromSsize_t(declared);
    state[F_VALUES] = values;
    state[F_FIELDS] = fields;
    state[F_RAW] = Py_NewRef(raw);
    values = fields = NULL;
    for (int i = 0; i < N_FIELDS; i++)
        if (state[i] == NULL)
            goto fail;
    packet = packet_type->tp_alloc(packet_type, 0);
    if (packet == NULL)
        goto fail;
    for (int i = 0; i < N_FIELDS; i++) {
        *(PyObject **)((char *)packet + offsets[i]) = state[i]; /* the slot takes the reference */
        state[i] = NULL;
    }
    return packet;

fallback:
    Py_XDECREF(values);
    Py_XDECREF(fields);
    for (int i = 0; i < N_FIELDS; i++)
        Py_XDECREF(state[i]);
    return FALLBACK;
fail:
    Py_XDECREF(value);
    Py_XDECREF(values);
    Py_XDECREF(fields);
    for (int i = 0; i < N_FIELDS; i++)
        Py_XDECREF(state[i]);
    return NULL;
}

/* The Packet of the frame `raw` (bytes): built here or by the reference. */
static PyObject *
parse_one(PyObject *raw)
{
    if (keys_used >= KEYS_KEPT && !keys_busy)
        keys_clear();
    keys_busy++;
    PyObject *packet = fast_parse(PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), raw);
    keys_busy--;
    if (packet != FALLBACK)
        return packet;
    fallback_count++;
    return PyObject_CallOneArg(reference, raw);
}

static int
check_configured(void)
{
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError,
                        "jjj_hj212._native is not configured (import jingjinji.sources.kernels.native)");
        return 0;
    }
    return 1;
}

static PyObject *
native_parse(PyObject *module, PyObject *frame)
{
    if (!check_configured())
        return NULL;
    if (!PyBytes_CheckExact(frame)) {
        PyErr_Format(PyExc_TypeError, "parse() takes bytes, not %.100s", Py_TYPE(frame)->tp_name);
        return NULL;
    }
    return parse_one(frame);
}

/* ---------------------------------------------------------------- framing (Framer._scan) */

enum { E_GARBAGE = 0, E_LENGTH = 1, E_DIGITS = 2, E_OVER = 3 };

static int
append_error(PyObject *out, int kind, Py_ssize_t declared, const char *s, Py_ssize_t n)
{
    PyObject *data = PyBytes_FromStringAndSize(s, n);
    if (data == NULL)
        return -1;
    PyObject *error = PyObject_CallFunction(framing_error, "inO", kind, declared, data);
    Py_DECREF(data);
    if (error == NULL)
        return -1;
    int bad = PyList_Append(out, error);
    Py_DECREF(error);
    return bad;
}

static Py_ssize_t
find(const char *b, Py_ssize_t from, Py_ssize_t to, const char *what, Py_ssize_t wn)
{
    if (to - from < wn)
        return -1;
    const char *hit = memmem(b + from, (size_t)(to - from), what, (size_t)wn);
    return hit ? hit - b : -1;
}

/* Framer._broken_end: where reading resumes after a broken frame at `start`; -1 for None. */
static Py_ssize_t
broken_end(const char *b, Py_ssize_t n, Py_ssize_t start)
{
    Py_ssize_t next = find(b, start + 1, n, "##", 2);
    if (next >= 0)
        return next;
    if (n - start <= max_segment + 12)
        return -1;
    return b[n - 1] == '#' ? n - 1 : n;
}

static PyObject *
native_scan(PyObject *module, PyObject *buffer)
{
    if (!check_configured())
        return NULL;
    if (!PyBytes_CheckExact(buffer)) {
        PyErr_Format(PyExc_TypeError, "scan() takes bytes, not %.100s", Py_TYPE(buffer)->tp_name);
        return NULL;
    }
    const char *b = PyBytes_AS_STRING(buffer);
    Py_ssize_t n = PyBytes_GET_SIZE(buffer);
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    Py_ssize_t pos = 0;
    while (pos < n) {
        Py_ssize_t start = find(b, pos, n, "##", 2);
        if (start < 0) {
            Py_ssize_t keep = b[n - 1] == '#' ? n - 1 : n;
            if (keep > pos && append_error(out, E_GARBAGE, 0, b + pos, keep - pos) < 0)
                goto fail;
            pos = keep;
            break;
        }
        if (start > pos) {
            if (append_error(out, E_GARBAGE, 0, b + pos, start - pos) < 0)
                goto fail;
            pos = start;
        }
        if (n - start < 6)
            break;
        Py_ssize_t declared = 0;
        for (int i = 2; i < 6 && declared >= 0; i++)
            declared = is_digit(b[start + i]) ? declared * 10 + (b[start + i] - '0') : -1;
        Py_ssize_t end;
        if (declared >= 0 && declared <= max_segment) {
            Py_ssize_t stop = start + 6 + declared + 4; /* where the "\r\n" must be */
            if (stop + 2 <= n && b[stop] == '\r' && b[stop + 1] == '\n') {
                PyObject *raw = PyBytes_FromStringAndSize(b + start, stop - start);
                if (raw == NULL)
                    goto fail;
                PyObject *packet = parse_one(raw);
                Py_DECREF(raw);
                if (packet == NULL)
                    goto fail;
                int bad = PyList_Append(out, packet);
                Py_DECREF(packet);
                if (bad)
                    goto fail;
                pos = stop + 2;
                continue;
            }
            Py_ssize_t early = find(b, start + 6, n < stop + 2 ? n : stop + 2, "\r\n##", 4);
            if (early < 0 && n < stop + 2)
                break; /* wait for the rest */
            end = early >= 0 ? early + 2 : broken_end(b, n, start);
            if (end < 0)
                break;
            if (append_error(out, E_LENGTH, declared, b + start, end - start) < 0)
                goto fail;
        } else {
            end = broken_end(b, n, start);
            if (end < 0)
                break;
            if (append_error(out, declared < 0 ? E_DIGITS : E_OVER, declared, b + start,
                             end - start) < 0)
                goto fail;
        }
        pos = end;
    }
    return Py_BuildValue("(Nn)", out, pos);
fail:
    Py_DECREF(out);
    return NULL;
}

/* ---------------------------------------------------------------- configuration */

static PyObject *
native_configure(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"packet_type", "field_names", "parse_packet", "framing_error",
                            "china_tz", "old_to_new", "numeric_suffixes", "versions",
                            "no_flag_version", "max_segment", NULL};
    PyObject *type, *field_names, *ref, *ferr, *ptime, *codes, *numeric, *vers, *noflag;
    Py_ssize_t maxseg;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!OOOO!O!O!On:configure", names,
                                     &PyType_Type, &type, &PyTuple_Type, &field_names, &ref,
                                     &ferr, &ptime, &PyDict_Type, &codes, &PyFrozenSet_Type,
                                     &numeric, &PyTuple_Type, &vers, &noflag, &maxseg))
        return NULL;
    if (PyTuple_GET_SIZE(field_names) != N_FIELDS || PyTuple_GET_SIZE(vers) != 256) {
        PyErr_SetString(PyExc_ValueError, "configure: 19 field names and 256 versions expected");
        return NULL;
    }
    if (!PyTZInfo_Check(ptime)) {
        PyErr_SetString(PyExc_TypeError, "configure: china_tz must be a tzinfo");
        return NULL;
    }
    if (maxseg < 0 || maxseg > 9999) {
        PyErr_SetString(PyExc_ValueError, "configure: max_segment must be 0..9999");
        return NULL;
    }
    Py_ssize_t offs[N_FIELDS];
    for (int i = 0; i < N_FIELDS; i++) {
        PyObject *name = PyTuple_GET_ITEM(field_names, i);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, FIELD_NAMES[i])) {
            PyErr_Format(PyExc_ValueError, "configure: Packet field %d is %R, expected '%s'", i,
                         name, FIELD_NAMES[i]);
            return NULL;
        }
        PyObject *descr = PyDict_GetItemWithError(((PyTypeObject *)type)->tp_dict, name);
        if (descr != NULL && i == F_VALUES && Py_IS_TYPE(descr, &LazySlotType) &&
            ((LazySlot *)descr)->owner == (PyTypeObject *)type) {
            offs[i] = ((LazySlot *)descr)->offset; /* configured before */
            continue;
        }
        if (descr == NULL || Py_TYPE(descr) != &PyMemberDescr_Type ||
            ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "configure: %R is not a slot of the Packet class",
                             name);
            return NULL;
        }
        offs[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    /* Packet.values: read on first access (see LazySlot) */
    PyObject *values_name = PyTuple_GET_ITEM(field_names, F_VALUES);
    PyObject *current = PyDict_GetItemWithError(((PyTypeObject *)type)->tp_dict, values_name);
    if (current == NULL)
        return NULL;
    if (!Py_IS_TYPE(current, &LazySlotType)) {
        PyObject *lazy = lazy_new((PyTypeObject *)type, values_name, offs[F_VALUES]);
        if (lazy == NULL)
            return NULL;
        int bad = PyObject_SetAttr(type, values_name, lazy);
        Py_DECREF(lazy);
        if (bad)
            return NULL;
    }
    Py_XSETREF(packet_type, (PyTypeObject *)Py_NewRef(type));
    memcpy(offsets, offs, sizeof(offs));
    Py_XSETREF(reference, Py_NewRef(ref));
    Py_XSETREF(framing_error, Py_NewRef(ferr));
    Py_XSETREF(china_tz, Py_NewRef(ptime));
    Py_XSETREF(old_to_new, Py_NewRef(codes));
    Py_XSETREF(numeric_suffixes, Py_NewRef(numeric));
    for (int i = 0; i < 256; i++)
        Py_XSETREF(versions[i], Py_NewRef(PyTuple_GET_ITEM(vers, i)));
    Py_XSETREF(no_flag_version, Py_NewRef(noflag));
    max_segment = maxseg;
    keys_clear();
    values_clear();
    PyDict_Clear(times);
    configured = 1;
    Py_RETURN_NONE;
}

static PyObject *
native_pending(PyObject *module, PyObject *packet)
{
    if (!check_configured())
        return NULL;
    if (!PyObject_TypeCheck(packet, packet_type)) {
        PyErr_Format(PyExc_TypeError, "pending() takes a Packet, not %.100s",
                     Py_TYPE(packet)->tp_name);
        return NULL;
    }
    PyObject *values = *(PyObject **)((char *)packet + offsets[F_VALUES]);
    return PyBool_FromLong(values != NULL && Py_IS_TYPE(values, &PendingType));
}

static PyObject *
native_values_read(PyObject *module, PyObject *unused)
{
    return PyLong_FromUnsignedLongLong(values_read_count);
}

static PyObject *
native_fallbacks(PyObject *module, PyObject *unused)
{
    return PyLong_FromUnsignedLongLong(fallback_count);
}

static PyObject *
native_crc16(PyObject *module, PyObject *data)
{
    if (!PyBytes_CheckExact(data)) {
        PyErr_Format(PyExc_TypeError, "crc16() takes bytes, not %.100s", Py_TYPE(data)->tp_name);
        return NULL;
    }
    unsigned int last;
    return PyLong_FromUnsignedLong(crc_register(
        (const unsigned char *)PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), &last));
}

static PyMethodDef methods[] = {
    {"configure", (PyCFunction)(void (*)(void))native_configure, METH_VARARGS | METH_KEYWORDS,
     "Give the Packet class, the reference parser and the tables (once, from Python)."},
    {"parse", native_parse, METH_O, "parse(frame: bytes) -> Packet, as parse_packet(frame)."},
    {"scan", native_scan, METH_O,
     "scan(buffer: bytes) -> (items, consumed): Framer._scan with each frame parsed."},
    {"pending", native_pending, METH_O,
     "pending(packet) -> bool: whether packet.values is still to be read (first access)."},
    {"values_read", native_values_read, METH_NOARGS,
     "How many Packets had their values read on first access so far."},
    {"fallbacks", native_fallbacks, METH_NOARGS,
     "How many frames were handed to the reference parse_packet so far."},
    {"crc16", native_crc16, METH_O, "crc16(data: bytes) -> int, the HJ 212 CRC (sliced by 8)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_native",
    "Compiled one-pass HJ 212 framer and parser (see jingjinji.sources.kernels.native).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    for (unsigned int y = 0; y < 256; y++) {
        unsigned int x = y;
        for (int k = 0; k < 8; k++)
            x = (x & 1) ? (x >> 1) ^ 0xA001 : x >> 1;
        STEP[y] = (uint16_t)x;
    }
    for (unsigned int v = 0; v < 256; v++) {
        unsigned int h = v;
        for (int k = 0; k < 8; k++)
            SLICE[k][v] = (uint8_t)(h = STEP[h] >> 8);
    }
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0) {
        PyErr_SetString(PyExc_OSError, "newlocale(C) failed");
        return NULL;
    }
    if (PyType_Ready(&PendingType) < 0 || PyType_Ready(&LazySlotType) < 0)
        return NULL;
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    datatime_key = PyUnicode_InternFromString("DataTime");
    times = PyDict_New();
    if (datatime_key == NULL || times == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "KEYS_KEPT", KEYS_KEPT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
