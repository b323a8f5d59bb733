/*
 * fuzz_model_json.c: arbitrary bytes as a model JSON (daemon/records/model_json.c).
 * Invariant: a model that is accepted is consistent (p = coefficients +
 * change points, n > p, increasing change points) and survives a second
 * round trip unchanged in its coefficients. A TOWT model read with its
 * tables (mvg_model_towt_from_json) has n > p and predicts without a
 * crash at any time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "model_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, 0, &je);
    if (!j)
        return 0;
    mvg_model m, r;
    char xn[MVG_MODEL_MAX_X][MVG_MODEL_XNAME_MAX];
    char err[256];
    if (mvg_model_from_json(j, &m, xn, err, sizeof err) == 0) {
        if (m.p != m.ncoef + m.ncp || m.n <= m.p || (m.ncp == 2 && !(m.cp[0] < m.cp[1])))
            abort();
        const char *names[MVG_MODEL_MAX_X];
        for (size_t k = 0; k < m.nx; k++)
            names[k] = xn[k];
        json_t *o = mvg_model_to_json(&m, names);
        if (!o || mvg_model_from_json(o, &r, NULL, err, sizeof err) != 0)
            abort();
        for (size_t k = 0; k < m.ncoef; k++)
            if (r.coef[k] != m.coef[k])
                abort();
        json_decref(o);
    }
    mvg_towt *tw = NULL;
    if (mvg_model_towt_from_json(j, &m, xn, &tw, err, sizeof err) == 0) {
        if (!tw || m.n <= m.p || m.nx < 1)
            abort();
        double extra[MVG_MODEL_MAX_X] = {0};
        for (int64_t t = -7 * 86400000LL; t < 14 * 86400000LL; t += 3599999)
            (void)mvg_towt_predict(tw, t, 20.0, extra);
        mvg_towt_free(tw);
    } else if (tw) {
        abort();
    }
    json_decref(j);
    return 0;
}
