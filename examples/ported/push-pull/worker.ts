import {Context} from "zocket"
import {endpoint, sock as producer} from "./producer.js"

async function run() {
  const sock = new Context().socket("PULL")

  sock.connect(await endpoint)
  console.log("Worker connected to port 3000")

  for await (const [msg] of sock) {
    console.log("work: %s", msg!.toString())
    break
  }
  sock.close()
  producer.close()
}

run().catch(console.error)
