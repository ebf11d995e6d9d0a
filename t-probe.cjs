const { openDatabase } = require('/work/main/dist/core/db/database.js');
(async () => {
  let t = Date.now();
  const db = await openDatabase({ home: 'memory://' });
  console.log('memory open+migrate', Date.now() - t);
  await db.close();
  t = Date.now();
  const { PGlite } = await import('/work/main/node_modules/@electric-sql/pglite/dist/index.js');
  const pg = await PGlite.create();
  console.log('bare pglite', Date.now() - t);
  t = Date.now();
  const dump = await pg.dumpDataDir('none');
  console.log('dump', Date.now() - t, dump.size);
  t = Date.now();
  const pg2 = await PGlite.create({ loadDataDir: dump });
  console.log('load from dump', Date.now() - t);
})();
