/**
 * The M extension's operations that WebAssembly has no single instruction for, as functions
 * of a region's module: the high halves of 128-bit products, and division and remainder
 * with RISC-V's results for a zero divisor and for overflow. WebAssembly traps on both
 * (`i64.div_s` by 0 or INT64_MIN / -1, `rem` by 0; core spec 4.3.2); the RISC-V
 * unprivileged spec (M chapter, "Division by zero and overflow" table) defines them instead:
 * x / 0 = -1 (all ones), x % 0 = x, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0, the W forms
 * on the low 32 bits with the result sign-extended. A divisor of 0 or -1 never reaches a
 * wasm division here, so a guest can never make the host trap.
 */
import { Body, I64, W } from './emit';

/** The M helpers, in the order their functions follow the region's own function. */
export const enum Helper { MULHU, MULH, MULHSU, DIV, REM, DIVU, REMU, DIVW, REMW, DIVUW, REMUW, COUNT }

let bodies: readonly Body[] | null = null;

/** The function bodies of the helpers (each (i64 a, i64 b) -> i64), indexed by Helper; built once, every module holds them. */
export function helperBodies(): readonly Body[] {
  if (bodies === null) {
    const out: Body[] = [];
    for (let h = 0; h < Helper.COUNT; h++) out.push(helperBody(h as Helper));
    bodies = out;
  }
  return bodies;
}

const A = 0, B = 1;
/** Pushes the low 32 bits of local l, zero-extended. */
const low = (f: Body, l: number): Body => f.get(l).i64(-1, 0).op(W.i64_and);
/** Pushes the high 32 bits of local l, zero-extended. */
const high = (f: Body, l: number): Body => f.get(l).i64(32, 0).op(W.i64_shr_u);

function helperBody(h: Helper): Body {
  const f = new Body(2);
  switch (h) {
    case Helper.MULHU: {
      // Schoolbook on 32-bit halves: a*b = aH*bH*2^64 + (aL*bH + aH*bL)*2^32 + aL*bL.
      const lh = f.local(I64), hl = f.local(I64), mid = f.local(I64);
      low(f, A); high(f, B); f.op(W.i64_mul).set(lh);
      high(f, A); low(f, B); f.op(W.i64_mul).set(hl);
      low(f, A); low(f, B); f.op(W.i64_mul).i64(32, 0).op(W.i64_shr_u);
      low(f, lh); f.op(W.i64_add);
      low(f, hl); f.op(W.i64_add).set(mid);
      high(f, A); high(f, B); f.op(W.i64_mul);
      high(f, lh); f.op(W.i64_add);
      high(f, hl); f.op(W.i64_add);
      high(f, mid); f.op(W.i64_add);
      break;
    }
    case Helper.MULH: // mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)
      f.get(A).get(B).call(1 + Helper.MULHU);
      f.get(A).i64(63, 0).op(W.i64_shr_s).get(B).op(W.i64_and, W.i64_sub);
      f.get(B).i64(63, 0).op(W.i64_shr_s).get(A).op(W.i64_and, W.i64_sub);
      break;
    case Helper.MULHSU: // mulhu(a, b) - (a < 0 ? b : 0)
      f.get(A).get(B).call(1 + Helper.MULHU);
      f.get(A).i64(63, 0).op(W.i64_shr_s).get(B).op(W.i64_and, W.i64_sub);
      break;
    case Helper.DIV:
      f.get(B).op(W.i64_eqz).open(W.if, 'z').i64(-1, -1).op(W.return).end();
      // x / -1 = -x, wrapping: INT64_MIN / -1 = INT64_MIN as the spec's table says.
      f.get(B).i64(-1, -1).op(W.i64_eq).open(W.if, 'm').i64(0, 0).get(A).op(W.i64_sub, W.return).end();
      f.get(A).get(B).op(W.i64_div_s);
      break;
    case Helper.REM:
      f.get(B).op(W.i64_eqz).open(W.if, 'z').get(A).op(W.return).end();
      f.get(B).i64(-1, -1).op(W.i64_eq).open(W.if, 'm').i64(0, 0).op(W.return).end();
      f.get(A).get(B).op(W.i64_rem_s);
      break;
    case Helper.DIVU:
      f.get(B).op(W.i64_eqz).open(W.if, 'z').i64(-1, -1).op(W.return).end();
      f.get(A).get(B).op(W.i64_div_u);
      break;
    case Helper.REMU:
      f.get(B).op(W.i64_eqz).open(W.if, 'z').get(A).op(W.return).end();
      f.get(A).get(B).op(W.i64_rem_u);
      break;
    case Helper.DIVW:
      f.get(B).op(W.i32_wrap_i64, W.i32_eqz).open(W.if, 'z').i64(-1, -1).op(W.return).end();
      f.get(B).op(W.i32_wrap_i64).i32(-1).op(W.i32_eq).open(W.if, 'm')
        .i32(0).get(A).op(W.i32_wrap_i64, W.i32_sub, W.i64_extend_i32_s, W.return).end();
      f.get(A).op(W.i32_wrap_i64).get(B).op(W.i32_wrap_i64, W.i32_div_s, W.i64_extend_i32_s);
      break;
    case Helper.REMW:
      f.get(B).op(W.i32_wrap_i64, W.i32_eqz).open(W.if, 'z').get(A).op(W.i32_wrap_i64, W.i64_extend_i32_s, W.return).end();
      f.get(B).op(W.i32_wrap_i64).i32(-1).op(W.i32_eq).open(W.if, 'm').i64(0, 0).op(W.return).end();
      f.get(A).op(W.i32_wrap_i64).get(B).op(W.i32_wrap_i64, W.i32_rem_s, W.i64_extend_i32_s);
      break;
    case Helper.DIVUW:
      f.get(B).op(W.i32_wrap_i64, W.i32_eqz).open(W.if, 'z').i64(-1, -1).op(W.return).end();
      f.get(A).op(W.i32_wrap_i64).get(B).op(W.i32_wrap_i64, W.i32_div_u, W.i64_extend_i32_s);
      break;
    case Helper.REMUW:
      f.get(B).op(W.i32_wrap_i64, W.i32_eqz).open(W.if, 'z').get(A).op(W.i32_wrap_i64, W.i64_extend_i32_s, W.return).end();
      f.get(A).op(W.i32_wrap_i64).get(B).op(W.i32_wrap_i64, W.i32_rem_u, W.i64_extend_i32_s);
      break;
    default:
      throw new Error(`wasm: no helper ${h}`);
  }
  return f;
}
