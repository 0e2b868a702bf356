/* The SES_ERROR domain. */
#include "error.h"

G_DEFINE_QUARK (ses-error-quark, ses_error)
