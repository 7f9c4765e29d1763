/*
 * test_trfold - Turkish-aware folding, equality and globs.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "trfold.h"

static const char *
fold(const char *s)
{
	static struct buf b;

	buf_reset(&b);
	if (tr_fold(&b, s, strlen(s)) < 0)
		return NULL;
	return b.data;
}

int
main(void)
{
	struct buf b = BUF_INIT;

	setlocale(LC_ALL, "tr_TR.UTF-8");	/* must change nothing */
	CHECK_STR(fold("İPTAL"), "iptal", "İPTAL");
	CHECK_STR(fold("IPTAL"), "iptal", "IPTAL");
	CHECK_STR(fold("ıptal"), "iptal", "ıptal");
	CHECK_STR(fold("Iptal"), "iptal", "Iptal");
	CHECK_STR(fold("VERGİ NUMARASI"), "vergi numarasi", "VERGİ NUMARASI");
	CHECK_STR(fold("Vergi Numarası"), "vergi numarasi", "Vergi Numarası");
	CHECK_STR(fold("ŞİRKET ADI"), "sirket adi", "ŞİRKET ADI");
	CHECK_STR(fold("Ünvan"), "unvan", "Ünvan");
	CHECK_STR(fold("Geri Dönüşüm"), "geri donusum", "Geri Dönüşüm");
	CHECK_STR(fold("ÇAĞ"), "cag", "ÇAĞ");
	CHECK_STR(fold("Âdem Îmar Ûmran"), "adem imar umran", "circumflexes");
	CHECK_STR(fold("i\xcc\x87ptal"), "iptal", "i + combining dot above");
	CHECK_STR(fold("Müşteri"), "musteri", "Müşteri");
	CHECK_STR(fold("\xff\xfe" "A"), "\xff\xfe" "a", "invalid UTF-8 kept");
	CHECK_STR(fold("€uro"), "€uro", "other letters kept");
	CHECK_STR(fold(""), "", "empty");
	CHECK(tr_fold(&b, "AB\0CD", 5) == 0 && b.len == 5 &&
	    memcmp(b.data, "ab\0cd", 5) == 0, "explicit length, NUL inside");
	buf_free(&b);
	CHECK(tr_fold_eq("  E-Posta ", "e-posta"), "trimmed equality");
	CHECK(tr_fold_eq("T.C. KİMLİK NUMARASI", "t.c. kimlik numarası"),
	    "T.C. KİMLİK NUMARASI");
	CHECK(!tr_fold_eq("vkn", "tckn"), "different words");
	CHECK(tr_glob("*iptal*", "2025 İPTAL EDİLENLER"), "*iptal* İPTAL");
	CHECK(tr_glob("*iptal*", "Iptal"), "*iptal* Iptal");
	CHECK(tr_glob("Silinenler", "SİLİNENLER"), "Silinenler SİLİNENLER");
	CHECK(tr_glob("Geri Dönüşüm*", "GERI DONUSUM KUTUSU"),
	    "Geri Dönüşüm* ASCII-ised");
	CHECK(tr_glob("$RECYCLE.BIN", "$Recycle.Bin"), "$RECYCLE.BIN");
	CHECK(tr_glob(".*", ".snapshot"), ".* hidden");
	CHECK(!tr_glob(".*", "x.y"), ".* not a dot inside");
	CHECK(tr_glob("~$*", "~$Defter.xlsx"), "~$*");
	CHECK(!tr_glob("*Yedek*", "2025"), "no match");
	CHECK(!tr_glob("xsd", "xsdx"), "whole name only");
	return check_done();
}
