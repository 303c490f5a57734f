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
 * Everything that decides valid, reason and detail is decided when the frame is parsed (every
 * name and number of the data area included); the header fields and `fields` are made then.
 * The values (a dict per pollutant, a float per number) are made on first access to
 * Packet.values, from the checked frame (lazy.h): most of a Packet's cost, and what the gateway
 * never reads.
 *
 * Tables (2005 -> 2017 codes, numeric suffixes, Flag versions) and the classes are given by the
 * Python side once, through configure(), so that each stays defined in one place.
 *
 * One translation unit in topic parts: crc.h (the CRC, sliced by 8), texts.h (name and value
 * caches), readers.h (digits, numbers, DataTime), lazy.h (the data area, read now or later);
 * this file: one frame, framing a stream, configuration, the module.
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
static Py_ssize_t max_segment = 1024;
static int configured = 0;
static unsigned long long fallback_count = 0;

static PyObject *crc_text[256]; /* the CRC text of STEP[y], made on first use */
static PyObject *lengths[10000]; /* the int of each declared length, made on first use */

#include "crc.h"
#include "texts.h"
#include "readers.h"
#include "lazy.h"

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

    PyObject *packet = NULL, *values = NULL, *fields = NULL, *moment = NULL;
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
                int kept = keep_field(e, eq + 1, stop - eq - 1, fields, &moment);
                if (kept < 0)
                    goto fail;
                if (kept > 0)
                    goto fallback;
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
    int area = read_area(cp + 5, seg + len - 2, fields, &moment, NULL);
    if (area < 0)
        goto fail;
    if (area > 0)
        goto fallback;
    values = pending_new(raw, cp + 5, seg + len - 2);
    if (values == NULL)
        goto fail;

    /* DataTime (YYYYMMDDhhmmss[zzz] in China time, as packet.parse_time reads it): the time
     * of fields["DataTime"], read by keep_field */
    state[F_DATA_TIME] = moment != NULL ? moment : Py_NewRef(Py_None);
    moment = NULL;

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
    /* a QN is a request's own time stamp, unique: kept in the cache it would only evict */
    state[F_QN] = hs[H_QN] ? ascii_str(hs[H_QN], hn[H_QN]) : Py_NewRef(Py_None);
    state[F_ST] = text_of(hs[H_ST], hn[H_ST]);
    state[F_CN] = text_of(hs[H_CN], hn[H_CN]);
    state[F_PW] = text_of(hs[H_PW], hn[H_PW]);
    state[F_MN] = text_of(hs[H_MN], hn[H_MN]);
    state[F_FLAG] = flag >= 0 ? PyLong_FromLong(flag) : Py_NewRef(Py_None);
    state[F_PNUM] = pnum >= 0 ? PyLong_FromLong(pnum) : Py_NewRef(Py_None);
    state[F_PNO] = pno >= 0 ? PyLong_FromLong(pno) : Py_NewRef(Py_None);
    state[F_CRC_DECLARED] = Py_NewRef(crc_text[y]);
    state[F_CRC_COMPUTED] = Py_NewRef(crc_text[y]);
    if (lengths[declared] == NULL && (lengths[declared] = PyLong_FromSsize_t(declared)) == NULL)
        goto fail;
    state[F_LENGTH_DECLARED] = Py_NewRef(lengths[declared]);
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
    Py_XDECREF(moment);
    Py_XDECREF(values);
    Py_XDECREF(fields);
    for (int i = 0; i < N_FIELDS; i++)
        Py_XDECREF(state[i]);
    return FALLBACK;
fail:
    Py_XDECREF(moment);
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
    times_clear();
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
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "KEYS_KEPT", KEYS_KEPT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
