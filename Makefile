# casekit — the README's two commands are `make demo` and `make test`.
# Everything runs inside .venv, created from the lock file on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.casekit-installed
PORT   ?= 8866

.PHONY: demo test lab notebooks book bench venv lock clean help

help:
	@echo "make demo       serve the Voila app gallery on 127.0.0.1:$(PORT) (prints the URL with its token)"
	@echo "make test       run the whole suite (unit, property, notebooks, papermill, browser)"
	@echo "make lab        JupyterLab on the curriculum"
	@echo "make notebooks  re-execute every notebook into build/notebooks/ (ipynb + html)"
	@echo "make book       the course book: the executed curriculum as a static website in build/book/"
	@echo "make bench      run benchmarks/*.py"

$(STAMP): requirements-lock.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-lock.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m casekit apps --port $(PORT)

test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -n 2 tests casekit --doctest-modules --nbval-lax --nbval-current-env notebooks

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir notebooks

notebooks: $(STAMP)
	$(PY) -m casekit execute-all --out build/notebooks

# Reuses build/notebooks/ from `make notebooks` where newer than the source; runs the rest.
book: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m casekit book --out build/book --executed build/notebooks

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Refresh the lock from pyproject's ranges (maintainers only; needs the network).
lock:
	rm -rf build/lockvenv && $(PYTHON) -m venv build/lockvenv
	build/lockvenv/bin/pip install -q -e ".[all]"
	build/lockvenv/bin/pip freeze --exclude-editable | grep -v '^casekit' > requirements-lock.txt

clean:
	rm -rf build .pytest_cache
