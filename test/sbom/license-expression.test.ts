import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dep5ToSpdx, isSpdxExpression, licenseFromCopyright } from '../../src/sbom/index.js';
import { DEP5 } from './helpers.js';

test('DEP-5 short names map to SPDX where they map cleanly', () => {
  const cases: Array<[string, string]> = [
    ['GPL-2', 'GPL-2.0-only'],
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['Expat', 'MIT'],
    ['BSD-3-clause', 'BSD-3-Clause'],
    ['GPL-2+ or Artistic', 'GPL-2.0-or-later OR Artistic-1.0-Perl'],
    ['GPL-3+ with Autoconf exception', 'GPL-3.0-or-later WITH Autoconf-exception-3.0'],
    ['GPL-2+ with OpenSSL exception', 'LicenseRef-GPL-2-with-OpenSSL-exception'],
    ['public-domain', 'LicenseRef-public-domain'],
    ['Apache-2.0 and MIT or GPL-2', '(Apache-2.0 AND MIT) OR GPL-2.0-only'],
    ['GPL-1+ or Artistic, and BSD-3-clause', '(GPL-1.0-or-later OR Artistic-1.0-Perl) AND BSD-3-Clause'],
    ['MIT, or GPL-2 and BSD-2-clause', 'MIT OR (GPL-2.0-only AND BSD-2-Clause)'],
    ['GFDL-NIV-1.3+', 'GFDL-1.3-no-invariants-or-later'],
  ];
  for (const [dep5, want] of cases) {
    assert.equal(dep5ToSpdx(dep5), want, dep5);
    assert.ok(isSpdxExpression(want), `${want} parses as an SPDX expression`);
  }
});

test('licenseFromCopyright combines the licenses of Files paragraphs, ignoring standalone texts', () => {
  const text = DEP5(
    'GPL-2+',
    '\nFiles: lib/*\nCopyright: x\nLicense: LGPL-2.1+\n\nFiles: debian/*\nCopyright: y\nLicense: GPL-2+\n\nLicense: Zlib\n The text of a license not used by any Files paragraph.\n',
  );
  assert.equal(licenseFromCopyright(text), 'GPL-2.0-or-later AND LGPL-2.1-or-later');
  assert.equal(licenseFromCopyright(DEP5('GPL-2 or Artistic', '\nFiles: x\nCopyright: z\nLicense: MIT\n')), '(GPL-2.0-only OR Artistic-1.0-Perl) AND MIT');
  // the header paragraph's License applies; "and" inside one paragraph flattens into the top level
  const header = 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: GPL-3+ and ISC\n\nFiles: a\nCopyright: x\nLicense: GPL-3+\n';
  assert.equal(licenseFromCopyright(header), 'GPL-3.0-or-later AND ISC');
  assert.equal(licenseFromCopyright(Buffer.from(header)), 'GPL-3.0-or-later AND ISC');
  assert.equal(licenseFromCopyright('This is the Debian prepackaged version of foo.\nCopyright 1999 ...\n'), 'NOASSERTION');
});

test('isSpdxExpression rejects broken expressions', () => {
  for (const s of ['', 'MIT AND', '(MIT', 'MIT OR OR GPL-2.0-only', 'GPL v2', 'MIT)']) assert.ok(!isSpdxExpression(s), s);
  for (const s of ['MIT', 'MIT AND (GPL-2.0-or-later OR BSD-3-Clause)', 'GPL-2.0+', 'LicenseRef-x']) assert.ok(isSpdxExpression(s), s);
});
