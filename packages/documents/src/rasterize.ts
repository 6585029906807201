// Turns a page of a PDF this package rendered into a PNG, in-process (pdf.js drawing on
// @napi-rs/canvas): the certificate's page image that an approver sees and that the device
// later compares the stamped page with. No system tools or fonts are involved — the PDF carries
// its own font, and pdf.js draws the glyphs as paths.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface RasterizeOptions {
  /** Pixels per inch; 150 keeps A4 text sharp (1240 × 1754 px) and the PNG near 100 KB. */
  dpi?: number;
  /** 1-based page number. */
  page?: number;
}

interface NodeCanvas {
  width: number;
  height: number;
  encode(format: 'png'): Promise<Buffer>;
}
interface CanvasAndContext {
  canvas: NodeCanvas;
  context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
}

/**
 * One page of a PDF as a PNG on a white background. The same PDF always gives the same
 * pixels, so fingerprints (SM3, perceptual hash) of the image are stable.
 */
export async function rasterizePdfPage(pdf: Uint8Array, opts: RasterizeOptions = {}): Promise<Buffer> {
  const dpi = opts.dpi ?? 150;
  const pageNo = opts.page ?? 1;
  // pdf.js may transfer (detach) the buffer it is given: hand it a copy.
  const task = getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  const doc = await task.promise;
  try {
    if (pageNo < 1 || pageNo > doc.numPages) throw new RangeError(`page ${pageNo} is not in the document (${doc.numPages} pages)`);
    const page = await doc.getPage(pageNo);
    const viewport = page.getViewport({ scale: dpi / 72 });
    // The canvas must come from pdf.js's own factory: it draws with Path2D objects of the
    // @napi-rs/canvas copy it loaded, which another copy's context would refuse.
    const factory = doc.canvasFactory as { create(w: number, h: number): CanvasAndContext };
    const { canvas, context } = factory.create(Math.round(viewport.width), Math.round(viewport.height));
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvasContext: context as never, canvas: canvas as never, viewport }).promise;
    page.cleanup();
    return await canvas.encode('png');
  } finally {
    await doc.destroy();
  }
}
