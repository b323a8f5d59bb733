/* PLACEHOLDER: replaced by the engine work. */
typedef int mvg_model_placeholder;
