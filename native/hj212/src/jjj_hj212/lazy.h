/* jjj_hj212._native, the data area: checked at parse time, read into values on first access.
 * Part of the one translation unit _native.c (included there once, after its globals), so
 * that the compiler inlines across the topics; not a public header. */
#ifndef JJJ_HJ212_LAZY_H
#define JJJ_HJ212_LAZY_H

/* ---------------------------------------------------------------- the data area */

/* Keep the field e = v[0:vn] in `fields` unless the name is there (the first one counts). The
 * first DataTime is read as a time too, into *moment (a new reference) through the DataTime
 * cache. 0: done; 1: that DataTime is not a time (the reference says why); -1: an exception. */
static int
keep_field(KeyEntry *e, const char *v, Py_ssize_t vn, PyObject *fields, PyObject **moment)
{
    PyObject *value;
    if (e->datatime && *moment == NULL) {
        int time = time_of(v, vn, &value, moment);
        if (time < 0)
            return -1;
        if (time == 0) {
            Py_DECREF(value);
            return 1;
        }
    } else if ((value = text_of(v, vn)) == NULL) {
        return -1;
    }
    PyObject *kept = PyDict_SetDefault(fields, e->key, value);
    Py_DECREF(value);
    return kept == NULL ? -1 : 0;
}

/* One pass over a data area [p, end): name=value items split by ';' or ','.
 * Checking (`fields` given, at parse time): the other fields go to `fields` (the first of a
 * name counts; keep_field, which reads the first DataTime into *moment), every name and every
 * number of a value field is checked, nothing else is made;
 * a number is checked even where it repeats a field (only the first counts), so such a frame
 * goes to the reference rather than being decided here on a guess.
 * Reading (`values` given, on first access to Packet.values): the value fields go to `values`
 * by 2017 code, the first of a repeated code and suffix counting, as packet._read_values does;
 * the other fields are skipped.
 * 0: done; 1: the reference must decide (checking only); -1: an exception is set. */
static int
read_area(const char *p, const char *end, PyObject *fields, PyObject **moment, PyObject *values)
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
                    int kept = keep_field(e, v, vn, fields, moment);
                    if (kept)
                        return kept;
                } else if (e->kind == K_NUMBER && !number_ok(v, vn)) {
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
                /* one look-up: set unless the suffix is there (a repeated field: the first
                 * one counts; repeats are rare but for 2005's -Flag, a cached str) */
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
                PyObject *kept = PyDict_SetDefault(entry, e->suffix, value);
                Py_DECREF(value);
                if (kept == NULL)
                    return -1;
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
    int bad = read_area(f + p->start, f + p->end, NULL, NULL, values);
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


#endif /* JJJ_HJ212_LAZY_H */
