const cosTables = new Map<number, Float64Array>();

// cos((2x + 1) u π / 2N), indexed [u * n + x]; built once per size.
function cosTable(n: number): Float64Array {
  let table = cosTables.get(n);
  if (!table) {
    table = new Float64Array(n * n);
    for (let u = 0; u < n; u++) {
      for (let x = 0; x < n; x++) table[u * n + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * n));
    }
    cosTables.set(n, table);
  }
  return table;
}

/**
 * Unnormalised 2D DCT-II of an n×n block (row-major). The orthonormal scale factors
 * differ only for row 0 and column 0; away from them every coefficient is scaled alike,
 * and the perceptual hash, which compares coefficients with their median and never uses
 * row or column 0, does not need them.
 */
export function dct2d(input: ArrayLike<number>, n: number): Float64Array {
  const c = cosTable(n);
  const rows = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < n; u++) {
      let sum = 0;
      for (let x = 0; x < n; x++) sum += (input[y * n + x] as number) * (c[u * n + x] as number);
      rows[y * n + u] = sum;
    }
  }
  const out = new Float64Array(n * n);
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      let sum = 0;
      for (let y = 0; y < n; y++) sum += (rows[y * n + u] as number) * (c[v * n + y] as number);
      out[v * n + u] = sum;
    }
  }
  return out;
}
