"""gunicorn's hooks for production (gunicorn reads this file from its working directory: /app in the image,
the checkout for scripts/run-production.sh). Addresses and process counts stay on the command line."""
import gc

_trimmer = None


def post_worker_init(worker):
    """Once a worker has loaded the app: what start-up built lives as long as the process, so the garbage
    collector need not walk it again at every full collection (as ``pflow-web`` does)."""
    global _trimmer
    from webapp.heap import Trimmer

    _trimmer = Trimmer()
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    """Every thousandth request hands the heap's free pages back to the system (``webapp/heap.py``)."""
    if _trimmer is not None:
        _trimmer.request_done()
