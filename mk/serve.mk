# tcpsnitch serve (issue 16): `make bench` also measures the collection
# server's import rate and page render time (bench/serve.sh).
.PHONY: bench-serve
bench-serve:
	bench/serve.sh
bench: bench-serve
