/*
 * lapack_dl.c: LAPACKE loaded at the first fit (lapack_dl.h).
 *
 * The loaded table is process-wide state behind a mutex, the one global of
 * the gateway: a shared library is mapped once per process whoever loads
 * it, so a table per caller would only copy the same four addresses, and
 * fits may come from the runner and from a reload's rebuild at once.
 */
#include "lapack_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "diag.h"
#include "log.h"

static pthread_mutex_t dl_mu = PTHREAD_MUTEX_INITIALIZER;
static int dl_tried;          /* under dl_mu: the load was attempted */
static int dl_ok;             /* under dl_mu: and succeeded; dl_table is then filled */
static mvg_lapack dl_table;   /* written once under dl_mu, read-only after */
static char dl_why[384];      /* under dl_mu: why the load failed */

/* dlsym's void * into a function pointer: POSIX's own idiom (dlsym(3)). */
static int sym(void *lib, const char *name, void *fn, char *why, size_t whylen)
{
    void *p = dlsym(lib, name);
    if (!p) {
        const char *e = dlerror();
        mvg_set_err(why, whylen, "%s: no %s (%s)", MVG_LAPACK_DL_SONAME, name, e ? e : "?");
        return -1;
    }
    memcpy(fn, &p, sizeof p);
    return 0;
}

static void load(const char *soname)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        mvg_set_err(dl_why, sizeof dl_why,
                    "LAPACK not loaded (%s): baseline models cannot be fitted until it is "
                    "installed (Debian package liblapacke) and mvgated restarted",
                    e ? e : soname);
        return;
    }
    mvg_lapack t;
    if (sym(lib, "LAPACKE_dgeqrf", &t.dgeqrf, dl_why, sizeof dl_why) != 0 ||
        sym(lib, "LAPACKE_dormqr", &t.dormqr, dl_why, sizeof dl_why) != 0 ||
        sym(lib, "LAPACKE_dtrtrs", &t.dtrtrs, dl_why, sizeof dl_why) != 0 ||
        sym(lib, "LAPACKE_dtrtri", &t.dtrtri, dl_why, sizeof dl_why) != 0) {
        dlclose(lib);
        return;
    }
    /* never dlclose'd: the table points into it for the process's life */
    dl_table = t;
    dl_ok = 1;
}

const mvg_lapack *mvg_lapack_dl_get(const char *soname, char *err, size_t errlen)
{
    pthread_mutex_lock(&dl_mu);
    if (!dl_tried) {
        const char *name = soname && *soname ? soname : MVG_LAPACK_DL_SONAME;
        dl_tried = 1;
        load(name);
        if (dl_ok)
            mvg_log(MVG_LOG_INFO, "LAPACK loaded (%s) for the first fit", name);
        else
            mvg_log(MVG_LOG_ERR, "%s", dl_why);
    }
    const mvg_lapack *t = dl_ok ? &dl_table : NULL;
    if (!t)
        mvg_set_err(err, errlen, "%s", dl_why);
    pthread_mutex_unlock(&dl_mu);
    return t;
}
