"""Valid e-Defter company ids (VKN, 10 digits) for the benchmark generators.

The check digit follows lib/names.c edf_valid_vkn()."""


def vkn_check(first9):
    total = 0
    for p in range(1, 10):
        i = 10 - p
        c1 = (int(first9[p - 1]) + i) % 10
        if c1 == 0:
            c2 = 0
        else:
            c2 = (c1 * (1 << i)) % 9
            if c2 == 0:
                c2 = 9
        total += c2
    return (10 - total % 10) % 10


def vkn(n):
    """The n-th valid VKN (n >= 0), distinct for distinct n < 10**8."""
    first9 = "%09d" % (100000000 + n)
    return first9 + str(vkn_check(first9))


def vkns(count, start=0):
    return [vkn(start + i) for i in range(count)]


if __name__ == "__main__":
    import sys
    for v in vkns(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(v)
