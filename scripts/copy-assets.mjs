// After tsc: the files the compiled code reads at run time (SQL migrations, message templates,
// dashboard page) go beside it in dist/, mirroring src/.
import { cpSync } from 'node:fs';

for (const dir of ['src/db/migrations', 'src/messages/templates', 'src/web/dashboard', 'src/web/public']) {
  cpSync(dir, `dist/${dir}`, { recursive: true });
}
