import {Context} from "zocket"
import {endpoint, sock as server} from "./server.js"

async function run() {
  const sock = new Context().socket("REQ")

  sock.connect(await endpoint)
  console.log("Producer bound to port 3000")

  await sock.send(4)
  console.log("Request a calculation for 4")

  const [result] = await sock.recv()
  console.log(`Received result: ${result}`)
  sock.close()
  server.close()
}

run().catch(console.error)
