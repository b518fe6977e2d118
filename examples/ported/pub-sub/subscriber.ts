import {Context} from "zocket"
import {endpoint, sock as publisher} from "./publisher.js"

async function run() {
  const sock = new Context().socket("SUB")

  sock.connect(await endpoint)
  sock.subscribe("kitty cats")
  console.log("Subscriber connected to port 3000")

  for await (const [topic, msg] of sock) {
    console.log(
      "received a message related to:",
      topic,
      "containing message:",
      msg,
    )
    break
  }
  sock.close()
  publisher.close()
}

run().catch(console.error)
