console.log('native addon build: placeholder');
