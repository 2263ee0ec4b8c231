/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running the
 * x86_64-pc-windows-gnu build of starttls-cert under Wine 8 (Debian
 * bookworm). Rust's std (1.78+) imports ProcessPrng from
 * bcryptprimitives.dll for its random numbers (HashMap keys), and Wine
 * only gained that DLL in 9.x, so without this the exe does not start:
 * the loader reports the missing import and exits with c0000135.
 *
 * Real Windows 10/11 has its own bcryptprimitives.dll: never ship this
 * file next to the exe on a PRTG probe.
 *
 * ProcessPrng(PBYTE, SIZE_T) -> BOOL (always TRUE on Windows) is
 * implemented with RtlGenRandom (advapi32!SystemFunction036), which Wine
 * implements with the host's /dev/urandom.
 */
#include <windows.h>

/* advapi32!SystemFunction036, a.k.a. RtlGenRandom. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG (32-bit) length: feed it in chunks. */
    while (len > 0) {
        ULONG chunk = len > 0x10000000u ? 0x10000000u : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            /* Windows documents ProcessPrng as never failing; a caller
             * cannot do anything useful with FALSE, so stop the process
             * rather than hand out non-random bytes. */
            ExitProcess(0xC0000001u);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reason;
    (void)reserved;
    return TRUE;
}
