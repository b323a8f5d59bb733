/* PLACEHOLDER: the bus pollers. */
typedef int mvg_poller_placeholder;
