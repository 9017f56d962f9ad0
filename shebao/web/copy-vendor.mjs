// Copies the front-end libraries installed by `npm ci` into shebao/web/static/vendor/ (gitignored),
// where the application serves them itself: no CDN at run time.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const vendor = join(here, "static", "vendor");
const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["node_modules/echarts/dist/echarts.min.js", "echarts.min.js"],
  ["node_modules/echarts/LICENSE", "echarts.LICENSE.txt"],
  ["node_modules/htmx.org/LICENSE", "htmx.LICENSE.txt"],
  ["node_modules/swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"],
  ["node_modules/swagger-ui-dist/swagger-ui.css", "swagger-ui.css"],
  ["node_modules/swagger-ui-dist/LICENSE", "swagger-ui.LICENSE.txt"],
];
mkdirSync(vendor, { recursive: true });
for (const [from, to] of files) {
  const source = join(root, from);
  if (!existsSync(source)) {
    console.error(`缺少 ${from}：请先运行 npm ci`);
    process.exit(1);
  }
  copyFileSync(source, join(vendor, to));
}
console.log(`已复制 ${files.length} 个前端文件到 ${vendor}`);
