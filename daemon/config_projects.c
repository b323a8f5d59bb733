/*
 * config_projects.c: PLACEHOLDER until the engine issue lands: rejects the
 * `derived` and `projects` sections with a clear message.
 */
#include "config_projects.h"

int mvg_config_projects_load(const config_setting_t *root, const mvg_config *cfg,
                             mvg_diags *diags, mvg_projects_cfg **out)
{
    (void)cfg;
    *out = NULL;
    int rc = 0;
    const char *keys[] = {"derived", "projects"};
    for (int i = 0; i < 2; i++) {
        config_setting_t *s = config_setting_get_member(root, keys[i]);
        if (s) {
            mvg_diags_add(diags, config_setting_source_file(s), (int)config_setting_source_line(s),
                          "'%s' is not supported yet", keys[i]);
            rc = -1;
        }
    }
    return rc;
}

void mvg_config_projects_free(mvg_projects_cfg *p) { (void)p; }
