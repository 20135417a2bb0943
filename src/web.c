/*
 * web.c: the daemon's shared context (web.h): configs that stay valid
 * until exit, and one store connection per thread through a pthread key
 * whose destructor closes it when the thread ends.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "keys.h"
#include "store.h"
#include "util/timefmt.h"
#include "web.h"

struct web_priv {
	pthread_mutex_t	 lock;		/* guards cfgs and ncfgs */
	struct config	**cfgs;		/* every config ever in force;
					 * the last one is current */
	size_t		 ncfgs;
	pthread_key_t	 store_key;	/* this thread's struct store */
};

static void
close_store(void *p)
{
	store_close(p);
}

int
web_new(struct web **out, const char *dir, struct config *cfg,
    struct kek *kek)
{
	struct web *w = NULL;
	int rc;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->priv = calloc(1, sizeof(*w->priv))) == NULL ||
	    (w->dir = strdup(dir)) == NULL ||
	    (w->priv->cfgs = malloc(sizeof(*w->priv->cfgs))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (pthread_key_create(&w->priv->store_key, close_store) != 0) {
		rc = err_set(ERR_INTERNAL, "cannot create a thread key");
		goto fail;
	}
	pthread_mutex_init(&w->priv->lock, NULL);
	w->priv->cfgs[0] = cfg;
	w->priv->ncfgs = 1;
	w->kek = kek;
	w->started_at = timefmt_now();
	*out = w;
	return 0;
fail:
	if (w != NULL) {
		if (w->priv != NULL)
			free(w->priv->cfgs);
		free(w->priv);
		free(w->dir);
		free(w);
	}
	config_free(cfg);
	keys_kek_free(kek);
	return rc;
}

void
web_free(struct web *w)
{
	size_t i;

	if (w == NULL)
		return;
	store_close(pthread_getspecific(w->priv->store_key));
	pthread_setspecific(w->priv->store_key, NULL);
	pthread_key_delete(w->priv->store_key);
	for (i = 0; i < w->priv->ncfgs; i++)
		config_free(w->priv->cfgs[i]);
	free(w->priv->cfgs);
	pthread_mutex_destroy(&w->priv->lock);
	free(w->priv);
	keys_kek_free(w->kek);
	free(w->dir);
	free(w);
}

const struct config *
web_config(struct web *w)
{
	const struct config *cfg;

	pthread_mutex_lock(&w->priv->lock);
	cfg = w->priv->cfgs[w->priv->ncfgs - 1];
	pthread_mutex_unlock(&w->priv->lock);
	return cfg;
}

int
web_set_config(struct web *w, struct config *cfg)
{
	struct config **v;
	int rc = 0;

	pthread_mutex_lock(&w->priv->lock);
	if ((v = realloc(w->priv->cfgs, (w->priv->ncfgs + 1) *
	    sizeof(*v))) == NULL) {
		config_free(cfg);
		rc = err_set(ERR_NOMEM, "out of memory");
	} else {
		v[w->priv->ncfgs++] = cfg;
		w->priv->cfgs = v;
	}
	pthread_mutex_unlock(&w->priv->lock);
	return rc;
}

int
web_store(struct store **out, struct web *w)
{
	struct store *st;
	int rc;

	if ((st = pthread_getspecific(w->priv->store_key)) == NULL) {
		if ((rc = store_open(&st, web_config(w))) != 0)
			return rc;
		if (pthread_setspecific(w->priv->store_key, st) != 0) {
			store_close(st);
			return err_set(ERR_INTERNAL, "cannot keep the thread's "
			    "store connection");
		}
	}
	*out = st;
	return 0;
}
