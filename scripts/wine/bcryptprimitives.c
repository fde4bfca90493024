/* Stand-in for bcryptprimitives.dll, which Wine 8.0 lacks: Rust's std (1.78+)
 * imports ProcessPrng from it for random numbers, so without it no Rust .exe
 * starts under Wine. This forwards to RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. Built and installed by scripts/run-targets. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG: fill larger requests in pieces. */
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
