# A multiprocessing Pool whose workers are started with the start method
# argv[2] (fork, spawn, forkserver) fetches the URL argv[1] four times;
# prints the bytes read. Leaving the `with` terminates the workers
# (SIGTERM), possibly while they are already leaving through os._exit.
import multiprocessing
import sys
import urllib.request


def fetch(url):
    return len(urllib.request.urlopen(url).read())


if __name__ == "__main__":
    ctx = multiprocessing.get_context(sys.argv[2])
    with ctx.Pool(2) as pool:
        total = sum(pool.map(fetch, [sys.argv[1]] * 4, chunksize=1))
    print(total)
