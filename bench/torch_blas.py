"""Which BLAS this process's torch calls, for the benchmarks' labels. Debian's torch calls whatever
libblas.so.3 points at: with only the reference BLAS (package libblas3) installed, its matmul is
~20-100x slower than with OpenBLAS (libopenblas0-pthread), which the comparisons in the README
assume, so a reference-BLAS run must say so instead of posing as PyTorch's speed."""
import os


def loaded_blas():
    """The BLAS libraries mapped into this process (resolved paths), or None where /proc is missing."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return None


def blas_label():
    """'OpenBLAS', 'MKL', or a warning naming the reference BLAS and the package that fixes it."""
    libs = loaded_blas()
    if libs is None:
        return "BLAS unknown"
    names = " ".join(libs).lower()
    if "openblas" in names:
        return "OpenBLAS"
    if "mkl" in names:
        return "MKL"
    if "/blas/" in names or "libblas.so" in names:
        return "REFERENCE BLAS: matmuls ~20-100x slower; apt-get install libopenblas0-pthread"
    return "BLAS: " + (", ".join(libs) or "none loaded")
