/* jjj_hj212._native, small readers: digits, integers, numbers as float() reads them, DataTime.
 * Part of the one translation unit _native.c (included there once, after its globals), so
 * that the compiler inlines across the topics; not a public header. */
#ifndef JJJ_HJ212_READERS_H
#define JJJ_HJ212_READERS_H

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

/* Whether s[0:n] is a plain number whose double is finite: what checking needs, the double
 * itself being made on first access to the values (read_double). Without an exponent, a plain
 * number of at most 308 integer digits is below DBL_MAX (1.8e308); any other is read. */
static int
number_ok(const char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0, whole = 0, frac = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i])) {
        i++;
        whole++;
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++)
            frac++;
    }
    if (whole == 0 && frac == 0)
        return 0;
    double number;
    return (i == n && whole <= 308) || read_double(s, n, &number);
}

/* The aware datetime of a DataTime text t[0:n] (ASCII), as packet.parse_time gives it: 14 or
 * 17 digits (milliseconds), a real date and time, and one with a UTC time (not before 08:00 on
 * 0001-01-01); NULL without an exception otherwise. The datetime constructor checks the
 * ranges (days of the month, leap years) exactly as Python's does, being the same code. */
static PyObject *
read_time(const char *t, Py_ssize_t n)
{
    if (n != 14 && n != 17)
        return NULL;
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

/* ---------------------------------------------------------------- the DataTime cache
 * Loggers send the same minutes: a direct-mapped table, DataTime text (bytes) -> its str and
 * datetime, of valid times only; a collision replaces the slot. Keyed by the bytes, a hit costs
 * no str, no str hash and no dict look-up. */
#define TIME_SLOTS 4096

typedef struct {
    uint64_t hash;
    Words text;
    Py_ssize_t len;
    PyObject *str;    /* NULL: empty */
    PyObject *moment; /* its datetime */
} TimeEntry;

static TimeEntry time_cache[TIME_SLOTS];

static void
times_clear(void)
{
    for (Py_ssize_t i = 0; i < TIME_SLOTS; i++) {
        Py_CLEAR(time_cache[i].str);
        Py_CLEAR(time_cache[i].moment);
    }
}

/* The str of the DataTime text s[0:n] in *str and its datetime in *moment (new references):
 * 1; 0 when it is not a time (*str set, *moment untouched); -1 with an exception set. */
static int
time_of(const char *s, Py_ssize_t n, PyObject **str, PyObject **moment)
{
    TimeEntry *e = NULL;
    Words text = {{0, 0, 0}};
    uint64_t h = 0;
    if (n <= WORDS_TEXT) {
        h = words_of(s, n, &text);
        e = &time_cache[h & (TIME_SLOTS - 1)];
        if (e->str != NULL && e->hash == h && e->len == n && words_equal(&e->text, &text)) {
            *str = Py_NewRef(e->str);
            *moment = Py_NewRef(e->moment);
            return 1;
        }
    }
    PyObject *u = ascii_str(s, n);
    if (u == NULL)
        return -1;
    PyObject *m = read_time(s, n);
    if (m == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(u);
            return -1;
        }
        *str = u;
        return 0;
    }
    if (e != NULL) {
        Py_XSETREF(e->str, Py_NewRef(u));
        Py_XSETREF(e->moment, Py_NewRef(m));
        e->hash = h;
        e->text = text;
        e->len = n;
    }
    *str = u;
    *moment = m;
    return 1;
}


#endif /* JJJ_HJ212_READERS_H */
